"""Pages: charity projects, referrals and gifts; applications dispatched to departments and
the department officer's decision."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from jiuzhu.cases.selectors import cases_in_scope
from jiuzhu.cooperation import selectors, services
from jiuzhu.cooperation.forms import (
    DecisionForm,
    DispatchForm,
    GiftForm,
    ProjectForm,
    ReferralForm,
)
from jiuzhu.cooperation.models import ApplicationStatus
from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.money import format_yuan
from jiuzhu.core.permissions import page_object, require_page, staff
from jiuzhu.core.roles import Capability
from jiuzhu.registry.selectors import household_by_number


@login_required
def charity(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.REFER)
    return render(
        request,
        "cooperation/charity.html",
        {"projects": selectors.projects(user), "referrals": selectors.referrals(user)[:50]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.REFER)
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request, form):
            services.register_project(user, **form.cleaned_data)
            messages.success(request, "已登记慈善项目。")
            return redirect("cooperation:charity")
    return render(request, "cooperation/form.html", {"form": form, "title": "登记慈善项目"})


@login_required
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.REFER)
    choices = [(p.pk, str(p)) for p in selectors.projects(user)]
    form = ReferralForm(request.POST or None, projects=choices, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals_shown(request, form):
            household = household_by_number(user, data["household"])
            if household is None:
                raise DomainError("本辖区内没有这个户编号。", field="household")
            case = None
            if data["case"].strip():
                case = cases_in_scope(user).filter(number=data["case"].strip().upper()).first()
                if case is None:
                    raise DomainError("本辖区内没有这个申请编号。", field="case")
            project = selectors.project_for(user, data["project"])
            if project is None:
                raise DomainError("请从列表中选择。", field="project")
            referral = services.refer(user, project, household, data["reason"], case)
            messages.success(request, f"已转介{project}。")
            return redirect("cooperation:referral", referral.pk)
    return render(request, "cooperation/form.html", {"form": form, "title": "转介慈善项目"})


@login_required
@require_http_methods(["GET", "POST"])
def referral(request: HttpRequest, referral_id: int) -> HttpResponse:
    """One referral with what the charity gave; the town records a gift here."""
    user, found = page_object(request, Capability.REFER, selectors.referral_for, referral_id)
    form = GiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request, form):
            gift = services.record_gift(user, found, **form.cleaned_data)
            messages.success(request, f"已登记给付 {format_yuan(gift.amount_fen)} 元。")
            return redirect("cooperation:referral", found.pk)
    found.project.refresh_from_db()
    return render(request, "cooperation/referral.html", {"referral": found, "form": form})


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not (user.can(Capability.REFER) or user.can(Capability.DECIDE_DEPARTMENT_AID)):
        raise Http404
    return render(
        request,
        "cooperation/applications.html",
        {
            "applications": selectors.applications(user)[:100],
            "can_dispatch": user.can(Capability.REFER),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_new(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.REFER)
    form = DispatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with refusals_shown(request, form):
            household = household_by_number(user, data["household"])
            if household is None:
                raise DomainError("本辖区内没有这个户编号。", field="household")
            member = household.memberships.filter(
                end_date__isnull=True, person__name=data["applicant"].strip()
            ).first()
            if member is None:
                raise DomainError("申请人不是本户现有成员。", field="applicant")
            made = services.dispatch(
                user,
                member.person,
                household,
                data["department"],
                data["programme"],
                data["request"],
            )
            messages.success(request, f"已转{made.get_department_display()}办理。")
            return redirect("cooperation:application", made.pk)
    return render(request, "cooperation/form.html", {"form": form, "title": "受理并转部门办理"})


@login_required
@require_http_methods(["GET", "POST"])
def application(request: HttpRequest, application_id: int) -> HttpResponse:
    user = staff(request)
    found = selectors.application_for(user, application_id)
    if found is None:
        raise Http404
    can_decide = (
        user.can(Capability.DECIDE_DEPARTMENT_AID) and found.status == ApplicationStatus.DISPATCHED
    )
    form = DecisionForm(request.POST or None) if can_decide else None
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        with refusals_shown(request, form):
            services.decide(
                user, found, data["outcome"] == "approve", data["decision"], data["amount"]
            )
            messages.success(request, "已办结。")
            return redirect("cooperation:application", found.pk)
    return render(
        request,
        "cooperation/application.html",
        {"application": found, "form": form, "decision": selectors.decision_text(found)},
    )
