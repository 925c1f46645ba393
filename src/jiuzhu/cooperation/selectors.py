"""Reads of charity referrals and department applications, always within the caller's area
(a department's officer: their own department's applications)."""

from django.db.models import QuerySet
from django.urls import reverse

from jiuzhu.cooperation.models import (
    CharityProject,
    CharityReferral,
    Department,
    DepartmentApplication,
)
from jiuzhu.core.models import User
from jiuzhu.core.money import format_yuan
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import one_of
from jiuzhu.registry.models import Household
from jiuzhu.registry.sections import Entry

DEPARTMENT_SECTION = "部门协同救助"


def projects(user: User) -> QuerySet[CharityProject]:
    """The county's charity projects (public: every town may refer to any of them)."""
    if not user.can(Capability.REFER):
        return CharityProject.objects.none()
    return CharityProject.objects.order_by("organisation", "name")


def project_for(user: User, project_id: int | str) -> CharityProject | None:
    return one_of(projects(user), project_id)


def referrals(user: User) -> QuerySet[CharityReferral]:
    if not user.can(Capability.REFER):
        return CharityReferral.objects.none()
    return (
        CharityReferral.objects.filter(town_code__startswith=user.scope_prefix)
        .select_related("project", "household", "case")
        .prefetch_related("gifts")
        .order_by("-referred_at", "-pk")
    )


def referral_for(user: User, referral_id: int | str) -> CharityReferral | None:
    return one_of(referrals(user), referral_id)


def applications(user: User) -> QuerySet[DepartmentApplication]:
    """The town's dispatched applications, or the department officer's own department's."""
    found = DepartmentApplication.objects.filter(town_code__startswith=user.scope_prefix)
    if user.can(Capability.DECIDE_DEPARTMENT_AID):
        codes = [code for code, label in Department.choices if label == user.department]
        found = found.filter(department__in=codes)
    elif not user.can(Capability.REFER):
        return DepartmentApplication.objects.none()
    return found.select_related("household", "applicant").order_by("-taken_at", "-pk")


def application_for(user: User, application_id: int | str) -> DepartmentApplication | None:
    return one_of(applications(user), application_id)


def applications_of_household(household_id: int) -> list[DepartmentApplication]:
    """The household's applications to other departments, for its own case list."""
    return list(
        DepartmentApplication.objects.filter(household_id=household_id).order_by("-taken_at")
    )


def household_entries(user: User, household: Household) -> list[Entry]:
    """The household's charity referrals and gifts, and its applications to departments."""
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return []
    if not household.registered_code.startswith(user.scope_prefix):
        return []
    entries = [
        Entry(
            Programme.CHARITY,
            f"{referral.referred_at:%Y-%m-%d} 转介{referral.project}",
            reverse("cooperation:referral", args=[referral.pk])
            if user.can(Capability.REFER)
            else "",
            lines=[referral.reason]
            + [
                f"{gift.given_on:%Y-%m-%d} 给付{gift.get_kind_display()} "
                f"{format_yuan(gift.amount_fen)} 元 {gift.description}".strip()
                for gift in referral.gifts.order_by("given_on", "pk")
            ],
        )
        for referral in CharityReferral.objects.filter(household=household)
        .select_related("project")
        .order_by("-referred_at", "-pk")[:12]
    ]
    entries += [
        Entry(
            "",
            f"{app.number} {app.get_department_display()}·{app.programme}"
            f"（{app.get_status_display()}）",
            reverse("cooperation:application", args=[app.pk]) if user.can(Capability.REFER) else "",
            lines=[line for line in (app.request, decision_text(app)) if line],
            section=DEPARTMENT_SECTION,
        )
        for app in DepartmentApplication.objects.filter(household=household).order_by(
            "-taken_at", "-pk"
        )[:12]
    ]
    return entries


def decision_text(app: DepartmentApplication) -> str:
    """The department's decision in one line ("" while it is still deciding)."""
    if not app.decided_at:
        return ""
    amount = f"，给予 {format_yuan(app.amount_fen)} 元" if app.amount_fen is not None else ""
    return f"{app.decided_at:%Y-%m-%d} {app.get_status_display()}：{app.decision}{amount}"
