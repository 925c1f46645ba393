"""Relatives declared by staff, dishonesty records and the published list."""

import csv
import io
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.cases.selectors import cases_of_household
from jiuzhu.core.forms import posted, refusals_shown
from jiuzhu.core.models import AccessLog, User
from jiuzhu.core.money import parse_yuan, plain_yuan
from jiuzhu.core.permissions import found_or_404, require_page, staff
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import log_accesses
from jiuzhu.oversight import integrity, risk, selectors
from jiuzhu.oversight.models import (
    DishonestyRecord,
    IntegrityStatus,
)
from jiuzhu.oversight.views.common import evidence_added
from jiuzhu.registry.models import Household, Person
from jiuzhu.registry.selectors import household_by_number


@login_required
@require_http_methods(["GET", "POST"])
def relatives(request: HttpRequest) -> HttpResponse:
    """A staff member's declared close relatives (近亲属备案), and declaring one."""
    user = staff(request)
    if request.method == "POST":
        id_number, relation = posted(request, "id_number", "relation")
        with refusals_shown(request):
            risk.declare_relative(user, risk.relative_by_id_number(id_number), relation)
            messages.success(request, "已备案。")
        return redirect("oversight:relatives")
    return render(
        request,
        "oversight/relatives.html",
        {"declarations": selectors.declarations_of(user), "relations": risk.RELATIONS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def integrity_list(request: HttpRequest) -> HttpResponse:
    """Dishonesty records of the area, and recording one (household number + ID number)."""
    user = require_page(request, Capability.HANDLE_COMPLAINTS)
    if request.method == "POST":
        number, id_number, facts, amount = posted(
            request, "household", "id_number", "facts", "amount"
        )
        with refusals_shown(request):
            household = household_by_number(user, number.strip())
            entry = integrity.record_dishonesty(
                user,
                _member(household, id_number),
                household,
                facts,
                parse_yuan(amount),
            )
            messages.success(request, "失信记录已登记，待县级监管人员决定。")
            return redirect("oversight:integrity_record", entry.pk)
    if request.GET.get("format") == "csv":
        return _blacklist_csv(request, user)
    return render(
        request,
        "oversight/integrity.html",
        {
            "records": selectors.dishonesty_for(user)[:200],
            "can_export": user.can(Capability.SUPERVISE),
        },
    )


CREDIT_AUTHORITY = "县民政局"


def _member(household: Household | None, id_number: str) -> Person | None:
    if household is None:
        return None
    wanted = id_number.strip().upper()
    members = household.memberships.filter(end_date__isnull=True).select_related("person")
    return next((m.person for m in members if m.person.id_number == wanted), None)


def _blacklist_csv(request: HttpRequest, user: User) -> HttpResponse:
    """The list for the credit platform: on it now, and taken off it; full ID numbers, so
    each row's read is logged."""
    if not user.can(Capability.SUPERVISE):
        raise Http404
    rows = selectors.blacklist_export(user, timezone.localdate())
    log_accesses(
        user,
        AccessLog.Channel.PAGE,
        "DishonestyRecord",
        [(entry.pk, entry.household_id) for entry in rows],
        request,
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "姓名",
            "身份证号",
            "失信事实",
            "骗取金额（元）",
            "罚款（元）",
            "认定日期",
            "认定单位",
            "公布日期",
            "公布截止",
            "名单状态",
            "移出日期",
            "移出原因",
        ]
    )
    today = timezone.localdate()
    for entry in rows:
        ends = entry.ends_on
        on_list = entry.status == IntegrityStatus.PUBLISHED and ends is not None and ends >= today
        writer.writerow(
            [
                entry.person.name,
                entry.person.id_number,
                entry.facts,
                plain_yuan(entry.obtained_fen),
                plain_yuan(entry.fine_fen),
                entry.notice_on,
                CREDIT_AUTHORITY,
                entry.published_on,
                entry.ends_on,
                "在列" if on_list else "已移出",
                entry.removed_on or ("" if on_list else entry.ends_on),
                entry.removal_reason or ("" if on_list else "公布期满"),
            ]
        )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="blacklist.csv"'
    return response


@login_required
def integrity_record(request: HttpRequest, record_id: int) -> HttpResponse:
    user = require_page(request, Capability.HANDLE_COMPLAINTS)
    entry = found_or_404(selectors.dishonesty_record_for(user, record_id))
    decider = user.can(Capability.SUPERVISE) and entry.investigator_id != user.pk
    return render(
        request,
        "oversight/integrity_record.html",
        {
            "e": entry,
            # The commitments signed at application that the false declaration broke.
            "commitments": cases_of_household(user, entry.household_id).filter(
                commitment_signed_at__isnull=False
            )
            if entry.household_id
            else [],
            "can_decide": decider and entry.status == IntegrityStatus.RECORDED,
            "can_object": entry.status == IntegrityStatus.NOTICE and not entry.objection,
            "can_resolve": decider
            and entry.status == IntegrityStatus.NOTICE
            and bool(entry.objection)
            and entry.objection_resolved is None,
            "can_publish": decider and entry.status == IntegrityStatus.NOTICE,
            "can_remove": decider and entry.status == IntegrityStatus.PUBLISHED,
            "files": entry.files.all(),
            "can_upload": entry.status not in (IntegrityStatus.REMOVED, IntegrityStatus.WITHDRAWN),
        },
    )


def _decide(request: HttpRequest, user: User, entry: DishonestyRecord) -> str:
    listed = request.POST.get("listed") == "1"
    integrity.decide(user, entry, listed, request.POST.get("decision", ""))
    return "已决定列入名单，已告知当事人。" if listed else "已决定不列入名单。"


def _object(request: HttpRequest, user: User, entry: DishonestyRecord) -> str:
    integrity.object_to(user, entry, request.POST.get("objection", ""))
    return "异议已登记。"


def _resolve(request: HttpRequest, user: User, entry: DishonestyRecord) -> str:
    upheld = request.POST.get("upheld") == "1"
    integrity.resolve_objection(user, entry, upheld, request.POST.get("note", ""))
    return "异议成立，已撤销。" if upheld else "异议不成立。"


def _publish(request: HttpRequest, user: User, entry: DishonestyRecord) -> str:
    integrity.publish(user, entry)
    return "已公布。"


def _remove(request: HttpRequest, user: User, entry: DishonestyRecord) -> str:
    integrity.remove(user, entry, request.POST.get("reason", ""))
    return "已移出名单。"


INTEGRITY_STEPS: dict[str, Callable[[HttpRequest, User, DishonestyRecord], str]] = {
    "evidence": evidence_added,
    "decide": _decide,
    "object": _object,
    "resolve": _resolve,
    "publish": _publish,
    "remove": _remove,
}


@login_required
@require_POST
def integrity_act(request: HttpRequest, record_id: int) -> HttpResponse:
    user = require_page(request, Capability.HANDLE_COMPLAINTS)
    entry = found_or_404(selectors.dishonesty_record_for(user, record_id))
    step = INTEGRITY_STEPS.get(request.POST.get("action", ""))
    if step is None:
        raise Http404
    with refusals_shown(request):
        messages.success(request, step(request, user, entry))
    return redirect("oversight:integrity_record", entry.pk)
