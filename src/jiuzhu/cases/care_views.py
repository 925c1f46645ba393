"""The care facts page of one household member (tekun and children in hardship) and the
care institutions: parse input, call one service or selector, render."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiuzhu.cases import care, services
from jiuzhu.cases.care_forms import (
    ArrangementForm,
    AssessmentForm,
    ChildForm,
    InstitutionForm,
    SupporterForm,
)
from jiuzhu.cases.forms import member_choices
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import AccessLog, User
from jiuzhu.core.permissions import found_or_404, page_object, require_page
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import log_access
from jiuzhu.registry.care import services as registry_care
from jiuzhu.registry.care.selectors import institutions_for
from jiuzhu.registry.models import Household, Person
from jiuzhu.registry.selectors import household_for

SAVED = {
    "assessment": "已录入生活自理能力评估。",
    "arrangement": "已登记供养（养育）方式。",
    "supporter": "已登记法定义务人履行能力。",
    "child": "已录入困境儿童认定。",
}


def _forms(
    request: HttpRequest, user: User, household: Household, person: Person, kind: str
) -> dict[str, forms.Form]:
    """The page's four forms; the one posted (`kind`) is bound."""

    def data(name: str) -> Any:
        return request.POST if kind == name else None

    guardians = [
        (int(pk), label) for pk, label in member_choices(household) if int(pk) != person.pk
    ]
    return {
        "assessment": AssessmentForm(data("assessment"), prefix="assessment"),
        "arrangement": ArrangementForm(data("arrangement"), prefix="arrangement", user=user),
        "supporter": SupporterForm(data("supporter"), prefix="supporter"),
        "child": ChildForm(data("child"), prefix="child", guardians=guardians),
    }


def _save(user: User, person: Person, kind: str, data: dict[str, Any]) -> None:
    """Call the service the posted form is for."""
    today = timezone.localdate()
    if kind == "assessment":
        services.assess_self_care(user, person, **data)
    elif kind == "arrangement":
        registry_care.record_arrangement(user, person, today=today, **data)
    elif kind == "supporter":
        registry_care.record_supporter(user, person, today=today, **data)
    else:
        guardian_id = data.pop("guardian")
        guardian = Person.objects.filter(pk=guardian_id).first() if guardian_id else None
        services.record_child(user, person, guardian=guardian, **data)


@login_required
@require_http_methods(["GET", "POST"])
def person_care(request: HttpRequest, household_id: int, person_id: int) -> HttpResponse:
    """One member's self-care assessments, care arrangement, supporters and hardship record,
    with their history; every opening is written to the access log."""
    user, household = page_object(request, Capability.VIEW_HOUSEHOLDS, household_for, household_id)
    membership = found_or_404(
        household.memberships.filter(person_id=person_id, end_date__isnull=True)
        .select_related("person")
        .first()
    )
    person = membership.person
    log_access(user, AccessLog.Channel.PAGE, "household", household.pk, household.pk, request)
    kind = request.POST.get("kind", "") if request.method == "POST" else ""
    page_forms = _forms(request, user, household, person, kind)
    posted = page_forms.get(kind)
    if posted is not None and posted.is_valid():
        with refusals_shown(request, posted):
            _save(user, person, kind, dict(posted.cleaned_data))
            messages.success(request, SAVED[kind])
            return redirect("cases:person_care", household_id=household.pk, person_id=person.pk)
    return render(
        request,
        "cases/care.html",
        {
            "household": household,
            "person": person,
            "care": care.person_care(person, timezone.localdate()),
            "forms": page_forms,
            "may_edit": user.can(Capability.EDIT_HOUSEHOLDS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def institutions(request: HttpRequest) -> HttpResponse:
    """The care institutions of the user's area, with the account each is paid to."""
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    form = InstitutionForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request, form):
            institution = registry_care.add_institution(user, **form.cleaned_data)
            messages.success(request, f"已登记机构：{institution.name}。")
            return redirect("cases:institutions")
    return render(
        request,
        "cases/institutions.html",
        {
            "institutions": institutions_for(user.scope_prefix).select_related("town"),
            "form": form,
            "may_edit": user.can(Capability.EDIT_HOUSEHOLDS),
        },
    )
