"""Leads: filed from a phone, the town's triage, the reporter's outcomes, their photos.
Every lead or photo shown, in a list or opened, is written to the access log."""

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

from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import User
from jiuzhu.core.permissions import found_or_404, require_page, staff
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import log_access, log_accesses
from jiuzhu.outreach import forms as outreach_forms
from jiuzhu.outreach import photos, selectors, services
from jiuzhu.outreach.models import Lead, LeadStatus
from jiuzhu.outreach.views.common import PAGE, household_numbered


@login_required
@require_GET
def leads(request: HttpRequest) -> HttpResponse:
    """The area's leads waiting for triage (overdue first marked), recent outcomes, and the
    leads the user reported."""
    user = staff(request)
    if not (user.can(Capability.REPORT_LEADS) or user.can(Capability.VIEW_HOUSEHOLDS)):
        raise Http404
    today = timezone.localdate()
    waiting = list(selectors.open_leads(user)[:200])
    handled = list(selectors.leads_in_area(user).exclude(status=LeadStatus.OPEN)[:50])
    mine = list(selectors.my_leads(user)[:50])
    shown = {lead.pk: lead.household_id for lead in [*waiting, *handled, *mine]}
    log_accesses(user, PAGE, "lead", shown.items(), request)
    return render(
        request,
        "outreach/leads.html",
        {
            "today": today,
            "open": waiting,
            "overdue": selectors.overdue_leads(user, today).count(),
            "handled": handled,
            "mine": mine,
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
    household = household_numbered(user, data["household_number"])
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
