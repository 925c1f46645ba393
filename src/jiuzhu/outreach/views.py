"""Pages: leads (file from a phone, the town's triage, the reporter's outcomes) and visits
(the plans with what is due, a person's visits, recording one from a phone). Every opening
of a lead, a person on a plan or a photo is written to the access log."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from jiuzhu.core import tasks
from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import AccessLog, User
from jiuzhu.core.money import parse_yuan
from jiuzhu.core.permissions import found_or_404, page_object, require_page, staff
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import one_of
from jiuzhu.core.services import log_access
from jiuzhu.outreach import forms as outreach_forms
from jiuzhu.outreach import monitoring, photos, referrals, roster, selectors, services
from jiuzhu.outreach.models import Lead, LeadStatus
from jiuzhu.registry import selectors as registry
from jiuzhu.registry.models import Household, Person

PAGE = AccessLog.Channel.PAGE


def _household(user: User, number: str) -> Household:
    """The household of the area with the number typed, or the refusal saying so."""
    household = registry.household_by_number(user, number)
    if household is None:
        raise DomainError("本辖区没有该户编号的家庭档案。", field="household_number")
    return household


@login_required
@require_GET
def leads(request: HttpRequest) -> HttpResponse:
    """The area's leads waiting for triage (overdue first marked), recent outcomes, and the
    leads the user reported."""
    user = staff(request)
    if not (user.can(Capability.REPORT_LEADS) or user.can(Capability.VIEW_HOUSEHOLDS)):
        raise Http404
    today = timezone.localdate()
    return render(
        request,
        "outreach/leads.html",
        {
            "today": today,
            "open": selectors.open_leads(user)[:200],
            "overdue": selectors.overdue_leads(user, today).count(),
            "handled": selectors.leads_in_area(user).exclude(status=LeadStatus.OPEN)[:50],
            "mine": selectors.my_leads(user)[:50],
            "can_report": user.can(Capability.REPORT_LEADS),
            "sees_area": user.can(Capability.VIEW_HOUSEHOLDS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_new(request: HttpRequest) -> HttpResponse:
    """File a lead (phone-first): who, where, what hardship, how urgent, photos."""
    user = require_page(request, Capability.REPORT_LEADS)
    form = outreach_forms.LeadForm(user, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request, form):
            lead = services.report_lead(user, form.to_input())
            messages.success(
                request,
                f"线索{lead.number}已上报，乡镇将在{lead.triage_due:%Y年%m月%d日}前研判处置。",
            )
            return redirect("outreach:lead", lead.pk)
    return render(request, "outreach/lead_new.html", {"form": form})


def _link(request: HttpRequest, user: User, lead: Lead, data: dict[str, Any]) -> None:
    household = _household(user, data["household_number"])
    services.link_household(user, lead, household)
    messages.success(request, f"已关联家庭档案（户编号{household.number}）。")


def _apply(request: HttpRequest, user: User, lead: Lead, data: dict[str, Any]) -> None:
    case = services.start_application(
        user,
        lead,
        data["programme"],
        data["applicant"],
        data["temporary_kind"],
        data["special_hardship"],
    )
    messages.success(request, f"已登记救助申请{case.number}。")


def _refer(request: HttpRequest, user: User, lead: Lead, data: dict[str, Any]) -> None:
    services.refer_lead(user, lead, data["department"], data["note"])
    messages.success(request, "已转介。")


def _close(request: HttpRequest, user: User, lead: Lead, data: dict[str, Any]) -> None:
    services.close_lead(user, lead, data["reason"])
    messages.success(request, "线索已办结。")


@dataclass(frozen=True)
class TriageStep:
    """A triage form of a lead's page: how its form is made, what it does once valid."""

    form: Callable[[Lead, Any], forms.Form]
    act: Callable[[HttpRequest, User, Lead, dict[str, Any]], None]


# The triage forms of a lead's page, by their hidden "action".
TRIAGE: dict[str, TriageStep] = {
    "link": TriageStep(lambda lead, data: outreach_forms.LinkForm(data), _link),
    "apply": TriageStep(
        lambda lead, data: outreach_forms.ApplicationStartForm(lead.household, data), _apply
    ),
    "refer": TriageStep(lambda lead, data: outreach_forms.ReferForm(data), _refer),
    "close": TriageStep(lambda lead, data: outreach_forms.CloseForm(data), _close),
}


@login_required
@require_http_methods(["GET", "POST"])
def lead(request: HttpRequest, lead_id: int) -> HttpResponse:
    """A lead with its photos and outcome; the town's triage forms while it is open."""
    user = staff(request)
    found = found_or_404(selectors.lead_for(user, lead_id))
    bound: dict[str, forms.Form] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        step = TRIAGE.get(action)
        if step is None or not user.can(Capability.TRIAGE_LEADS):
            raise Http404
        form = bound[action] = step.form(found, request.POST)
        if form.is_valid():
            with refusals_shown(request, form):
                step.act(request, user, found, form.cleaned_data)
                return redirect("outreach:lead", found.pk)
    log_access(user, PAGE, "lead", found.pk, found.household_id, request)
    triage = found.status == LeadStatus.OPEN and user.can(Capability.TRIAGE_LEADS)
    context = {
        "lead": found,
        "photos": found.photos.order_by("pk"),
        "triage": triage,
        "overdue": found.status == LeadStatus.OPEN and found.triage_due < timezone.localdate(),
    }
    if triage:
        context |= {
            f"{name}_form": bound.get(name) or step.form(found, None)
            for name, step in TRIAGE.items()
        }
    return render(request, "outreach/lead.html", context)


@login_required
@require_GET
def photo(request: HttpRequest, photo_id: int) -> FileResponse:
    """A photo of a lead or a visit, only for those who may open its lead or person."""
    user = staff(request)
    found = found_or_404(selectors.photo_for(user, photo_id))
    path = photos.photo_root() / found.stored_path
    if not path.is_file():
        raise Http404
    if found.lead is not None:
        household_id = found.lead.household_id
    else:
        assert found.visit is not None  # a photo belongs to a lead or a visit (constraint)
        household_id = found.visit.target.household_id
    log_access(user, PAGE, "photo", found.pk, household_id, request)
    response = FileResponse(path.open("rb"), content_type=found.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def visits(request: HttpRequest) -> HttpResponse:
    """The area's visit plans: per village and per person, what is due and overdue; adding
    a person to a plan."""
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    can_plan = user.can(Capability.PLAN_VISITS)
    form = outreach_forms.TargetForm(request.POST or None)
    if request.method == "POST":
        if not can_plan:
            raise Http404
        if form.is_valid():
            with refusals_shown(request, form):
                target = services.add_visit_target(
                    user,
                    _member_named(
                        user,
                        form.cleaned_data["household_number"],
                        form.cleaned_data["person_name"],
                    ),
                    form.cleaned_data["group"],
                    form.cleaned_data["since"],
                )
                messages.success(request, f"已将{target.person.name}纳入探访计划。")
                return redirect("outreach:visits")
    today = timezone.localdate()
    planned = selectors.planned_visits(user, today)
    return render(
        request,
        "outreach/visits.html",
        {
            "today": today,
            "planned": planned,
            "villages": selectors.visits_by_village(planned),
            "form": form if can_plan else None,
            "can_record": user.can(Capability.RECORD_VISITS),
        },
    )


def _member_named(user: User, household_number: str, name: str) -> Person:
    """The current member of that name in the household of that number, in the user's area."""
    household = _household(user, household_number)
    person = (
        registry.persons_in_scope(user)
        .filter(
            memberships__household=household, memberships__end_date__isnull=True, name=name.strip()
        )
        .first()
    )
    if person is None:
        raise DomainError("该户没有这名现有成员。", field="person_name")
    return person


@login_required
@require_http_methods(["GET", "POST"])
def target(request: HttpRequest, target_id: int) -> HttpResponse:
    """A person on a visit plan: their visits, recording a visit (phone), taking them off."""
    user, found = page_object(request, Capability.VIEW_HOUSEHOLDS, selectors.target_for, target_id)
    visit_form = outreach_forms.VisitForm()
    end_form = outreach_forms.EndTargetForm()
    contracts = roster.contracts_covering(found.village)
    if request.method == "POST":
        if request.POST.get("action") == "contract":
            if not user.can(Capability.MANAGE_ROSTER):
                raise Http404
            serve = outreach_forms.ServeForm(contracts, request.POST)
            with refusals_shown(request):
                if not serve.is_valid():
                    raise DomainError("请选择购买服务合同。")
                roster.serve_under(user, found, serve.cleaned_data["contract"])
                messages.success(request, "已纳入购买服务对象。")
            return redirect("outreach:target", found.pk)
        if request.POST.get("action") == "end":
            end_form = outreach_forms.EndTargetForm(request.POST)
            if end_form.is_valid():
                with refusals_shown(request, end_form):
                    services.end_visit_target(user, found, end_form.cleaned_data["reason"])
                    messages.success(request, "已移出探访计划。")
                    return redirect("outreach:visits")
        else:
            visit_form = outreach_forms.VisitForm(request.POST, request.FILES)
            if visit_form.is_valid():
                with refusals_shown(request, visit_form):
                    services.record_visit(user, found, visit_form.to_input())
                    messages.success(request, "探访记录已保存。")
                    return redirect("outreach:target", found.pk)
    log_access(user, PAGE, "visit_target", found.pk, found.household_id, request)
    return render(
        request,
        "outreach/target.html",
        {
            "target": found,
            "visits": found.visits.select_related("visitor").prefetch_related("photos"),
            "visit_form": visit_form if user.can(Capability.RECORD_VISITS) else None,
            "end_form": end_form if user.can(Capability.PLAN_VISITS) else None,
            "serve_form": outreach_forms.ServeForm(contracts)
            if user.can(Capability.MANAGE_ROSTER) and contracts.exists()
            else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def monitoring_warnings(request: HttpRequest) -> HttpResponse:
    """The area's monitoring warnings with their evidence; the town records its handling,
    the county starts a run of the rules (a background task)."""
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    today = timezone.localdate()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "run" and user.can(Capability.RUN_MONITORING):
            with refusals_shown(request):
                tasks.enqueue(user, monitoring.TASK_KIND, {"actor": user.pk, "today": str(today)})
                messages.success(request, "已开始运行监测预警规则，完成后新预警将列在下方。")
        elif action == "handle" and user.can(Capability.HANDLE_WARNINGS):
            found = found_or_404(selectors.warning_for(user, request.POST.get("warning", "")))
            form = outreach_forms.HandleWarningForm(request.POST)
            with refusals_shown(request):
                if not form.is_valid():
                    raise DomainError("请选择处置方式并填写处置说明。")
                monitoring.handle_warning(
                    user, found, form.cleaned_data["handling"], form.cleaned_data["note"]
                )
                messages.success(request, "处置情况已记录。")
        else:
            raise Http404
        return redirect("outreach:warnings")
    rows = selectors.warnings_in_area(user)
    return render(
        request,
        "outreach/warnings.html",
        {
            "today": today,
            "open": rows.filter(handled_at__isnull=True)[:200],
            "overdue": rows.filter(handled_at__isnull=True, handling_due__lt=today).count(),
            "handled": rows.filter(handled_at__isnull=False).order_by("-handled_at")[:50],
            "form": outreach_forms.HandleWarningForm()
            if user.can(Capability.HANDLE_WARNINGS)
            else None,
            "can_run": user.can(Capability.RUN_MONITORING),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def monitoring_list(request: HttpRequest) -> HttpResponse:
    """The area's low-income monitoring list by reason, who left it, the monthly "should be
    helped and is not" list; the town adds a household for a reason it has found."""
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    can_add = user.can(Capability.HANDLE_WARNINGS)
    form = outreach_forms.MonitorForm(request.POST or None)
    if request.method == "POST":
        if not can_add:
            raise Http404
        if form.is_valid():
            with refusals_shown(request, form):
                household = _household(user, form.cleaned_data["household_number"])
                monitoring.add_to_list(
                    user, household, form.cleaned_data["reason"], form.cleaned_data["note"]
                )
                messages.success(request, f"已将户编号{household.number}纳入监测。")
                return redirect("outreach:monitoring")
    run, unhelped = selectors.unhelped(user)
    return render(
        request,
        "outreach/monitoring.html",
        {
            "by_reason": selectors.monitored_by_reason(user),
            "listed": selectors.monitored_in_area(user)[:200],
            "left": selectors.monitoring_history(user)[:50],
            "run": run,
            "unhelped": unhelped,
            "form": form if can_add else None,
        },
    )


def _answer(request: HttpRequest, user: User) -> None:
    found = found_or_404(selectors.referral_for(user, request.POST.get("referral", "")))
    form = outreach_forms.AnswerForm(request.POST)
    if not form.is_valid():
        raise DomainError("请填写部门答复和答复日期。")
    referrals.record_answer(
        user, found, form.cleaned_data["answer"], form.cleaned_data["answered_on"]
    )
    messages.success(request, "已登记部门答复。")


def _submit(request: HttpRequest, user: User) -> None:
    form = outreach_forms.DeliberationForm(request.POST)
    if not form.is_valid():
        raise DomainError("请填写户编号、困难事实和建议金额。")
    household = _household(user, form.cleaned_data["household_number"])
    item = referrals.submit_deliberation(
        user,
        household,
        form.cleaned_data["facts"],
        parse_yuan(form.cleaned_data["requested"], "建议救助金额"),
    )
    messages.success(request, f"已提请一事一议（{item.number}）。")


def _decide(request: HttpRequest, user: User) -> None:
    found = found_or_404(selectors.deliberation_for(user, request.POST.get("deliberation", "")))
    form = outreach_forms.DecisionForm(request.POST)
    if not form.is_valid():
        raise DomainError("请填写会议日期、参会成员、决定和政策依据。")
    data = form.cleaned_data
    referrals.decide(
        user,
        found,
        data["met_on"],
        data["members_present"],
        data["decision"],
        parse_yuan(data["amount"], "决定金额") if data["amount"] else None,
        data["legal_basis"],
        data["arrangement"],
    )
    messages.success(request, "已记录一事一议决定。")


def _open_aid(request: HttpRequest, user: User) -> None:
    found = found_or_404(selectors.deliberation_for(user, request.POST.get("deliberation", "")))
    head = selectors.household_head(found.household)
    case = referrals.open_aid(user, found, head)
    messages.success(request, f"已登记临时救助申请{case.number}。")


# The referrals page's forms, by their hidden "action", and who may post each.
REFERRAL_STEPS: dict[str, tuple[Capability, Callable[[HttpRequest, User], None]]] = {
    "answer": (Capability.REFER, _answer),
    "submit": (Capability.REFER, _submit),
    "decide": (Capability.DECIDE_DELIBERATIONS, _decide),
    "open_aid": (Capability.REFER, _open_aid),
}


@login_required
@require_http_methods(["GET", "POST"])
def referral_list(request: HttpRequest) -> HttpResponse:
    """Open referrals (overdue marked) with their answers; the 一事一议 list with the town's
    submissions, the county's decisions and the aid they open."""
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    if request.method == "POST":
        step = REFERRAL_STEPS.get(request.POST.get("action", ""))
        if step is None or not user.can(step[0]):
            raise Http404
        with refusals_shown(request):
            step[1](request, user)
        return redirect("outreach:referrals")
    today = timezone.localdate()
    rows = selectors.referrals_in_area(user)
    return render(
        request,
        "outreach/referrals.html",
        {
            "today": today,
            "open": rows.filter(answered_on__isnull=True)[:200],
            "answered": rows.filter(answered_on__isnull=False).order_by("-answered_on")[:50],
            "deliberations": selectors.deliberations_in_area(user)[:100],
            "can_refer": user.can(Capability.REFER),
            "can_decide": user.can(Capability.DECIDE_DELIBERATIONS),
            "answer_form": outreach_forms.AnswerForm(),
            "submit_form": outreach_forms.DeliberationForm(),
            "decision_form": outreach_forms.DecisionForm(),
        },
    )


def _staff(request: HttpRequest, user: User) -> None:
    form = outreach_forms.StaffForm(user, request.POST)
    if not form.is_valid():
        raise DomainError("请填写姓名、岗位、区划和到岗日期。")
    data = form.cleaned_data
    roster.add_staff(
        user, data["name"], data["post"], data["region"], data["since"], data["contract"]
    )
    messages.success(request, f"已登记{data['name']}。")


def _training(request: HttpRequest, user: User) -> None:
    entry = found_or_404(one_of(roster.roster_in_area(user), request.POST.get("entry", "")))
    form = outreach_forms.TrainingForm(request.POST)
    if not form.is_valid():
        raise DomainError("请填写培训日期、内容和学时。")
    data = form.cleaned_data
    roster.add_training(user, entry, data["held_on"], data["topic"], data["hours"])
    messages.success(request, "已登记培训。")


def _contract(request: HttpRequest, user: User) -> None:
    form = outreach_forms.ContractForm(user, request.POST)
    if not form.is_valid():
        raise DomainError("请完整填写合同信息。")
    data = form.cleaned_data
    contract = roster.add_contract(
        user,
        roster.ContractInput(
            number=data["number"],
            organisation=data["organisation"],
            region=data["region"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            amount_fen=parse_yuan(data["amount"], "合同金额"),
            visits_contracted=data["visits_contracted"],
        ),
    )
    messages.success(request, f"已登记合同{contract.number}。")


STAFF_STEPS: dict[str, Callable[[HttpRequest, User], None]] = {
    "staff": _staff,
    "training": _training,
    "contract": _contract,
}


@login_required
@require_http_methods(["GET", "POST"])
def staff_roster(request: HttpRequest) -> HttpResponse:
    """The staff of each region against the policy's requirements (gaps first), their
    trainings, and the purchased-services contracts with the services delivered."""
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    if request.method == "POST":
        step = STAFF_STEPS.get(request.POST.get("action", ""))
        if step is None or not user.can(Capability.MANAGE_ROSTER):
            raise Http404
        with refusals_shown(request):
            step(request, user)
        return redirect("outreach:staff")
    rows = roster.gaps(user, timezone.localdate())
    manage = user.can(Capability.MANAGE_ROSTER)
    return render(
        request,
        "outreach/staff.html",
        {
            "gaps": [row for row in rows if row.missing],
            "regions_short": len({row.region.pk for row in rows if row.missing}),
            "complete": [row for row in rows if not row.missing],
            "entries": roster.roster_in_area(user),
            "contracts": roster.contracts_in_area(user),
            "staff_form": outreach_forms.StaffForm(user) if manage else None,
            "training_form": outreach_forms.TrainingForm() if manage else None,
            "contract_form": outreach_forms.ContractForm(user) if manage else None,
        },
    )
