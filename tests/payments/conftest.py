"""Recipients in force made directly (the cases flow is tested in tests/cases), staff of
two towns, and a month with standards in force."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jiuzhu.cases.models import Case, Recipient
from jiuzhu.core.models import User
from jiuzhu.core.roles import Role
from jiuzhu.payments import services
from jiuzhu.registry.models import Relation
from tests import factories

MONTH = dt.date(2026, 12, 1)


@pytest.fixture
def pay_staff(dong_e, meigui, dong_e_village, county_admin):
    """The workflow staff of 东阿镇 and 玫瑰镇; the county administrator is the one the
    tests' households are created by."""
    return {
        **factories.staff_of(dong_e, meigui, dong_e_village, "pay_"),
        "admin": county_admin,
    }


_counter = iter(range(1, 10_000))


def make_household(admin, village, name="王老汉", poor=False):
    return factories.household(
        admin,
        village,
        members=[
            factories.member(Relation.HEAD, name, village),
            factories.member(Relation.SPOUSE, name + "妻", village),
        ],
        registered_poor=poor,
    )


def make_recipient(
    admin,
    household,
    amount="500.00",
    start=dt.date(2026, 1, 1),
    end=None,
    status="active",
    programme="dibao",
    phase_out_until=None,
):
    head = factories.head_of(household)
    n = next(_counter)
    case = Case.objects.create(
        number=f"T{n:08d}",
        household=household,
        applicant=head,
        programme=programme,
        status="in_force",
        channel="window",
        intake_region=household.registered_region.parent,
        responsible_town=household.registered_region.parent,
        intake_code=household.registered_code,
        responsible_code=household.registered_code,
        reason="测试",
        submitted_at=timezone.now(),
        monthly_amount=Decimal(amount),
        created_by=admin,
    )
    return Recipient.objects.create(
        case=case,
        household=household,
        programme=programme,
        region_code=household.registered_code,
        status=status,
        monthly_amount=Decimal(amount),
        members_covered=2,
        start_month=start,
        end_month=end,
        phase_out_until=phase_out_until,
    )


def give_account(actor, household, bank="农商银行", number=None):
    """The head's account, requested by `actor` and approved by a second person (a county
    administrator other than `actor`): in force at once for the tests."""
    head = factories.head_of(household)
    requested = services.set_account(
        actor, household, head, bank, number or f"62210000{head.pk:08d}", head.name
    )
    reviewer = User.objects.filter(role=Role.COUNTY_ADMIN).exclude(pk=actor.pk).first()
    if reviewer is None:
        reviewer = factories.user(Role.COUNTY_ADMIN, factories.county(), username="acct_reviewer")
    return services.approve_account(reviewer, requested)
