import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jiuzhu.cases import services
from jiuzhu.cases.models import Case
from jiuzhu.core.roles import Role
from jiuzhu.registry.models import Relation
from tests import factories


@pytest.fixture
def staff(dong_e, meigui, dong_e_village):
    """Staff of 东阿镇 (responsible for the household) and of 玫瑰镇 (another window)."""
    return {
        **factories.staff_of(dong_e, meigui, dong_e_village, "de_"),
        "approver2": factories.user(Role.TOWN_APPROVER, dong_e, username="de_approver2"),
        "supervisor": factories.user(Role.COUNTY_SUPERVISOR, factories.county(), username="sup"),
        "social_worker": factories.user(Role.SOCIAL_WORKER, dong_e, username="sw"),
        "officer": factories.user(
            Role.DEPARTMENT_OFFICER, factories.county(), username="off", department="人社局"
        ),
    }


@pytest.fixture
def poor_household(dong_e_village, county_admin):
    """A rural household of two with little income: eligible for dibao."""
    return factories.household_with_incomes(
        county_admin,
        dong_e_village,
        [
            factories.born(
                Relation.HEAD, "王老汉", dong_e_village, dt.date(1950, 3, 1), phone="13900000001"
            ),
            factories.born(Relation.SPOUSE, "刘大娘", dong_e_village, dt.date(1953, 7, 9), "F"),
        ],
        (("pension", "200"),),
    )


def signed_authorisation() -> services.SignedAuthorisation:
    """The scan of a 授权书 the applicant signed today."""
    scan = SimpleUploadedFile("授权书.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    return services.SignedAuthorisation(scan, timezone.localdate())


def submit(actor, household, programme="dibao", **extra) -> Case:
    signed = extra.pop("authorisation_signed", True)
    data = services.ApplicationInput(
        household=household,
        applicant=extra.pop("applicant", factories.head_of(household)),
        programme=programme,
        reason=extra.pop("reason", "老两口年老体弱，收入很低。"),
        commitment_signed=extra.pop("commitment_signed", True),
        authorisation=signed_authorisation() if signed else None,
        **extra,
    )
    return services.submit_application(actor, data)


def investigate(case: Case, assistant, coordinator=None) -> Case:
    """Accept, investigate with a home visit, and complete the investigation."""
    services.accept(assistant, case, case.version)
    services.start_investigation(assistant, case, case.version)
    services.record_home_visit(
        coordinator or assistant,
        case,
        case.version,
        services.HomeVisitInput(
            visited_on=timezone.localdate(),
            second_staff="李协理员",
            findings="家中无车，住房简陋，二人均无劳动能力。",
            checklist={"members_confirmed": True, "housing_checked": True},
            household_signed=True,
        ),
    )
    services.complete_investigation(assistant, case, case.version)
    if case.status == "community_review":
        services.record_community_review(
            coordinator or assistant, case, case.version, timezone.localdate(), 9, "一致同意"
        )
    return case


def elderly_alone(admin, village, name="孤老"):
    """A household of one elder born in 1940 who cannot work, and that elder."""
    household = factories.household(
        admin,
        village,
        members=[
            factories.born(
                Relation.HEAD, name, village, dt.date(1940, 1, 1), labour_capacity="none"
            )
        ],
    )
    return household, factories.head_of(household)


def set_today(monkeypatch, day: dt.date) -> None:
    """Move the platform's idea of today (deadlines are counted from it)."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)


def in_force(staff, household, monkeypatch, programme="dibao", **extra) -> Case:
    """An application taken through intake, investigation, approval and the public notice
    (today moves to the day after the notice)."""
    case = submit(staff["assistant"], household, programme, **extra)
    investigate(case, staff["assistant"])
    services.approve(staff["approver"], case, case.version)
    set_today(monkeypatch, case.notice_ends_on + dt.timedelta(days=1))
    services.close_notice(staff["assistant"], case, case.version)
    return case


def assess(actor, person, unable=(), on: dt.date | None = None):
    """A self-care assessment of `person` (the activities in `unable` not possible), due a
    year later: tekun cannot be decided without one."""
    return services.assess_self_care(
        actor, person, on or timezone.localdate(), "王评估", "县社会福利中心", unable
    )
