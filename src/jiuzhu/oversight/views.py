"""Staff pages: complaints (list, overdue, record, handle) and risk warnings (scan, list,
counts by rule and town, handle)."""

import csv
import datetime as dt
import io
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from openpyxl import Workbook

from jiuzhu.cases.selectors import cases_of_household
from jiuzhu.core import tasks as core_tasks
from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import posted, refusals_shown
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.money import parse_yuan, plain_yuan
from jiuzhu.core.permissions import found_or_404, require_page, staff
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import regions_in_scope
from jiuzhu.oversight import complaints, evaluation, integrity, risk, selectors, tasks
from jiuzhu.oversight.models import (
    AlertConclusion,
    AlertStatus,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    DishonestyRecord,
    Finding,
    FollowUpKind,
    IntegrityStatus,
)
from jiuzhu.oversight.rules import RULE_LABELS
from jiuzhu.registry.models import Household, Person
from jiuzhu.registry.selectors import household_by_number, households_in_scope

PAGE_SIZE = 50


def _town_names() -> dict[str, str]:
    return dict(Region.objects.filter(level=RegionLevel.TOWN).values_list("code", "name"))


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.HANDLE_COMPLAINTS)
    today = timezone.localdate()
    overdue = request.GET.get("view") == "overdue"
    status = request.GET.get("status", "")
    rows = selectors.overdue_complaints(user, today) if overdue else selectors.complaints_for(user)
    if status in ComplaintStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/complaints.html",
        {
            "page": page,
            "overdue": overdue,
            "status": status,
            "statuses": ComplaintStatus.choices,
            "counts": selectors.complaint_counts(user),
            "overdue_count": selectors.overdue_complaints(user, today).count(),
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """A complaint received by phone, letter, visit or in person."""
    user = require_page(request, Capability.HANDLE_COMPLAINTS)
    if request.method == "POST":
        channel, category, town, content, name, phone, subject, evidence = posted(
            request,
            "channel",
            "category",
            "town",
            "content",
            "name",
            "phone",
            "subject",
            "evidence",
        )
        household_number, staff_id = posted(request, "household", "subject_staff")
        with refusals_shown(request):
            household = household_by_number(user, household_number) if household_number else None
            if household_number and household is None:
                raise DomainError("本辖区没有这个户编号。", field="household")
            complaint = complaints.record(
                user,
                town=regions_in_scope(user, RegionLevel.TOWN).filter(code=town).first(),
                subject_household=household,
                subject_staff=selectors.staff_in_area(user).filter(pk=_int(staff_id)).first()
                if staff_id
                else None,
                channel=channel,
                category=category,
                content=content,
                anonymous=request.POST.get("anonymous") == "1",
                name=name,
                phone=phone,
                subject_text=subject,
                evidence=evidence,
            )
            messages.success(request, f"已登记，编号 {complaint.number}。")
            return redirect("oversight:complaint", complaint.pk)
    return render(
        request,
        "oversight/complaint_new.html",
        {
            "channels": ComplaintChannel.choices,
            "categories": ComplaintCategory.choices,
            "towns": regions_in_scope(user, RegionLevel.TOWN).order_by("code"),
            "staff": selectors.staff_in_area(user).exclude(pk=user.pk),
            "values": request.POST,
        },
    )


@login_required
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    user = require_page(request, Capability.HANDLE_COMPLAINTS)
    complaint = found_or_404(complaints.open_complaint(user, complaint_id, request))
    name, phone = selectors.complainant_of(user, complaint)
    is_handler = complaint.handler_id == user.pk
    return render(
        request,
        "oversight/complaint.html",
        {
            "c": complaint,
            "complainant_name": name,
            "complainant_phone": phone,
            "notes": complaint.notes.select_related("author"),
            "follow_ups": complaint.follow_ups.all(),
            "can_assign": user.can(Capability.SUPERVISE)
            and complaint.status in (ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED),
            "candidates": selectors.handler_candidates(user, complaint),
            "can_investigate": is_handler and complaint.status == ComplaintStatus.ASSIGNED,
            "can_reply": is_handler and complaint.status == ComplaintStatus.CONCLUDED,
            "findings": Finding.choices,
            "follow_up_kinds": FollowUpKind.choices,
            "overdue": complaint.status != ComplaintStatus.REPLIED
            and complaint.due_on < timezone.localdate(),
        },
    )


def _assign(request: HttpRequest, user: User, complaint: Complaint) -> str:
    handler = User.objects.filter(pk=_int(request.POST.get("handler"))).first()
    if handler is None:
        return "请选择承办人。"
    complaints.assign(user, complaint, handler)
    return "已分派。"


def _note(request: HttpRequest, user: User, complaint: Complaint) -> str:
    complaints.add_note(user, complaint, request.POST.get("text", ""))
    return "调查情况已记录。"


def _conclude(request: HttpRequest, user: User, complaint: Complaint) -> str:
    complaints.conclude(
        user,
        complaint,
        request.POST.get("finding", ""),
        request.POST.get("conclusion", ""),
        request.POST.getlist("follow_ups"),
    )
    return "已办结，请答复反映人。"


def _reply(request: HttpRequest, user: User, complaint: Complaint) -> str:
    complaints.reply(user, complaint, request.POST.get("reply", ""))
    return "已答复反映人。"


COMPLAINT_STEPS: dict[str, Callable[[HttpRequest, User, Complaint], str]] = {
    "assign": _assign,
    "note": _note,
    "conclude": _conclude,
    "reply": _reply,
}


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


@login_required
@require_POST
def complaint_act(request: HttpRequest, complaint_id: int) -> HttpResponse:
    user = require_page(request, Capability.HANDLE_COMPLAINTS)
    complaint = found_or_404(selectors.complaint_for(user, complaint_id))
    step = COMPLAINT_STEPS.get(request.POST.get("action", ""))
    if step is None:
        raise Http404
    with refusals_shown(request):
        done = step(request, user, complaint)
        (messages.success if done.startswith("已") else messages.error)(request, done)
    return redirect("oversight:complaint", complaint.pk)


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.HANDLE_ALERTS)
    rows = selectors.alerts_for(user)
    rule = request.GET.get("rule", "")
    if rule in RULE_LABELS:
        rows = rows.filter(rule=rule)
    if request.GET.get("open") == "1":
        rows = rows.exclude(status=AlertStatus.CONCLUDED)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/alerts.html",
        {
            "page": page,
            "rule": rule,
            "rules": RULE_LABELS,
            "counts": selectors.alert_counts(user),
            "towns": _town_names(),
            "can_scan": user.can(Capability.SUPERVISE),
            "scans": selectors.recent_scans(user),
            "scan_task": core_tasks.task_for(user, request.GET.get("task", ""), risk.TASK_KIND),
        },
    )


@login_required
@require_POST
def alert_scan(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.SUPERVISE)
    with refusals_shown(request):
        queued = risk.start_scan(user)
        return redirect(f"{reverse('oversight:alerts')}?task={queued.pk}")
    return redirect("oversight:alerts")


@login_required
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = require_page(request, Capability.HANDLE_ALERTS)
    alert = found_or_404(selectors.alert_for(user, alert_id))
    return render(
        request,
        "oversight/alert.html",
        {
            "a": alert,
            "rule_label": RULE_LABELS.get(alert.rule, ""),
            "households": households_in_scope(user).filter(
                pk__in=alert.evidence.get("households", [])
            ),
            "town": _town_names().get(alert.town_code, ""),
            "can_assign": user.can(Capability.SUPERVISE) and alert.status != AlertStatus.CONCLUDED,
            "candidates": selectors.alert_handler_candidates(user, alert),
            "can_conclude": alert.handler_id == user.pk and alert.status == AlertStatus.ASSIGNED,
            "conclusions": AlertConclusion.choices,
            "follow_ups": alert.follow_ups.all(),
        },
    )


@login_required
@require_POST
def alert_act(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = require_page(request, Capability.HANDLE_ALERTS)
    alert = found_or_404(selectors.alert_for(user, alert_id))
    action = request.POST.get("action", "")
    with refusals_shown(request):
        if action == "assign":
            handler = User.objects.filter(pk=_int(request.POST.get("handler"))).first()
            if handler is None:
                messages.error(request, "请选择承办人。")
            else:
                risk.assign_alert(user, alert, handler)
                messages.success(request, "已分派。")
        elif action == "conclude":
            risk.conclude_alert(
                user, alert, request.POST.get("conclusion", ""), request.POST.get("note", "")
            )
            messages.success(request, "预警已办结。")
        else:
            raise Http404
    return redirect(reverse("oversight:alert", args=[alert.pk]))


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
        return _blacklist_csv(user)
    return render(
        request,
        "oversight/integrity.html",
        {
            "records": selectors.dishonesty_for(user)[:200],
            "can_export": user.can(Capability.SUPERVISE),
        },
    )


def _member(household: Household | None, id_number: str) -> Person | None:
    if household is None:
        return None
    wanted = id_number.strip().upper()
    members = household.memberships.filter(end_date__isnull=True).select_related("person")
    return next((m.person for m in members if m.person.id_number == wanted), None)


def _blacklist_csv(user: User) -> HttpResponse:
    if not user.can(Capability.SUPERVISE):
        raise Http404
    rows = selectors.blacklist_export(user, timezone.localdate())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "身份证号", "失信事实", "骗取金额（元）", "公布日期", "公布截止"])
    for entry in rows:
        writer.writerow(
            [
                entry.person.name,
                entry.person.id_number,
                entry.facts,
                plain_yuan(entry.obtained_fen),
                entry.published_on,
                entry.ends_on,
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


@login_required
@require_http_methods(["GET", "POST"])
def faults(request: HttpRequest) -> HttpResponse:
    """Fault-tolerance reviews (容错纠错) of the area, and recording one."""
    user = require_page(request, Capability.SUPERVISE)
    if request.method == "POST":
        staff_id, error, conclusion, corrected = posted(
            request, "staff", "error", "conclusion", "corrected_on"
        )
        with refusals_shown(request):
            integrity.review_fault(
                user,
                selectors.staff_in_area(user).filter(pk=_int(staff_id)).first(),
                error,
                request.POST.getlist("conditions"),
                conclusion,
                _date(corrected),
            )
            messages.success(request, "复核结论已记录。")
        return redirect("oversight:faults")
    return render(
        request,
        "oversight/faults.html",
        {
            "records": selectors.fault_records_for(user)[:200],
            "staff": selectors.staff_in_area(user).exclude(pk=user.pk),
            "conditions": integrity.TOLERANCE_CONDITIONS,
        },
    )


def _date(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError("纠正日期格式不正确。", field="corrected_on") from None


@login_required
@require_http_methods(["GET", "POST"])
def task_board(request: HttpRequest) -> HttpResponse:
    """The leading group's page: the twelve tasks, each unit's latest report, overdue."""
    user = require_page(request, Capability.TRACK_TASKS)
    unit = tasks.unit_of(user)
    if request.method == "POST":
        number, percent, text, evidence = posted(request, "task", "percent", "report", "evidence")
        with refusals_shown(request):
            tasks.report(user, _int(number), _percent(percent), text, evidence)
            messages.success(request, "进展已报送。")
        return redirect("oversight:tasks")
    today = timezone.localdate()
    return render(
        request,
        "oversight/tasks.html",
        {
            "rows": tasks.board(today),
            "unit": unit,
            "mine": [t for t in tasks.planned() if unit and unit in t.units],
        },
    )


def _percent(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise DomainError("完成进度应在0到100之间。", field="percent") from None


@login_required
def evaluation_page(request: HttpRequest) -> HttpResponse:
    """Each town's yearly score with its breakdown (page, or Excel with ?format=xlsx)."""
    user = require_page(request, Capability.TRACK_TASKS)
    try:
        year = min(max(int(request.GET.get("year", "")), 2000), 2100)
    except ValueError:
        year = timezone.localdate().year
    scores = evaluation.evaluate(user, year)
    if request.GET.get("format") == "xlsx":
        return _evaluation_xlsx(year, scores)
    return render(
        request,
        "oversight/evaluation.html",
        {"year": year, "scores": scores, "indicators": evaluation.INDICATORS},
    )


def _evaluation_xlsx(year: int, scores: list[evaluation.TownScore]) -> HttpResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{year}年绩效评价")
    labels = [label for _, label in evaluation.INDICATORS]
    sheet.append(["镇（街道）", *labels, "不予容错失误", "得分"])
    for row in scores:
        shares = [row.share(code) for code, _ in evaluation.INDICATORS]
        sheet.append(
            [
                row.town.name,
                *["" if s is None else f"{s * 100:.1f}%" for s in shares],
                row.faults,
                float(row.score),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="evaluation_{year}.xlsx"'
    return response
