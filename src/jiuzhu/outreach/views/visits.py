"""Visits: the plans with what is due, a person's visits, recording one from a phone.
Every person on a plan and every visit shown is written to the access log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import User
from jiuzhu.core.permissions import page_object, require_page
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import log_access, log_accesses
from jiuzhu.outreach import forms as outreach_forms
from jiuzhu.outreach import roster, selectors, services
from jiuzhu.outreach.views.common import PAGE, household_numbered
from jiuzhu.registry import selectors as registry
from jiuzhu.registry.models import Person


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
    shown = [(row.target.pk, row.target.household_id) for row in planned]
    log_accesses(user, PAGE, "visit_target", shown, request)
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
    household = household_numbered(user, household_number)
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
    visits = list(found.visits.select_related("visitor").prefetch_related("photos"))
    log_accesses(user, PAGE, "visit", [(visit.pk, found.household_id) for visit in visits], request)
    return render(
        request,
        "outreach/target.html",
        {
            "target": found,
            "visits": visits,
            "visit_form": visit_form if user.can(Capability.RECORD_VISITS) else None,
            "end_form": end_form if user.can(Capability.PLAN_VISITS) else None,
            "serve_form": outreach_forms.ServeForm(contracts)
            if user.can(Capability.MANAGE_ROSTER) and contracts.exists()
            else None,
        },
    )
