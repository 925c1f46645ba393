"""`jiuzhu demo` also makes cases: recipients in force and applications under way."""

import hashlib
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from jiuzhu.cases import public, rules, selectors
from jiuzhu.cases.models import (
    OPEN_STATUSES,
    UNDECIDED_STATUSES,
    AdvancePayment,
    Case,
    CaseEvent,
    HomeVisit,
    Notification,
    Recipient,
    Status,
)
from jiuzhu.core.models import User
from jiuzhu.core.programmes import Programme
from jiuzhu.core.workdays import Calendar
from jiuzhu.policy.parameters import value_at
from jiuzhu.registry.models import Membership
from tests import factories
from tests.demo.helpers import run_demo


@pytest.fixture
def county(db) -> str:
    return run_demo(3000)


def cases_digest() -> str:
    """The cases by natural keys (numbers, households, ID numbers), not ids or clock times."""
    digest = hashlib.sha256()
    rows = Case.objects.order_by("number").values_list(
        "number",
        "household__number",
        "applicant__id_number",
        "programme",
        "status",
        "responsible_code",
        "intake_code",
        "accepted_on",
        "decision_due",
        "monthly_amount",
        "one_off_amount",
        "notice_starts_on",
        "special_hardship",
        "advance_for__number",
    )
    for row in rows:
        digest.update(repr(row).encode())
    for row in Recipient.objects.order_by("case__number").values_list(
        "case__number", "monthly_amount", "start_month", "review_class", "next_review_on"
    ):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def wipe() -> None:
    with connection.cursor() as cursor:
        for model in (AdvancePayment, HomeVisit, CaseEvent, Recipient, Notification):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        cursor.execute("UPDATE cases_case SET advance_for_id = NULL")
        cursor.execute("DELETE FROM cases_case")
        for table in ("income", "asset", "membership", "person", "household"):
            cursor.execute(f"DELETE FROM registry_{table}")


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_cases():
    run_demo(600, seed=3)
    first = cases_digest()
    assert Case.objects.exists()
    wipe()
    run_demo(600, seed=3)
    assert cases_digest() == first
    wipe()
    run_demo(600, seed=4)
    assert cases_digest() != first


def test_recipients_in_force_follow_the_dibao_and_tekun_rules(county):
    households = Membership.objects.values("household").distinct().count()
    in_force = Case.objects.filter(status=Status.IN_FORCE).exclude(programme=Programme.TEMPORARY)
    assert 0.04 <= in_force.count() / households <= 0.08
    assert in_force.filter(programme=Programme.TEKUN).exists()
    today = timezone.localdate()
    month = today.replace(day=1)
    for case in in_force.select_related("household", "beneficiary", "recipient"):
        recipient = case.recipient  # every case in force has its recipient
        assert recipient.status == "active"
        assert recipient.monthly_amount == case.monthly_amount > 0
        assert recipient.start_month < today and recipient.start_month.day == 1
        assert recipient.region_code == case.household.registered_code
        assert recipient.review_class in {"A", "B", "C"}
        assert recipient.next_review_on >= month
        assert case.decided_by is not None and case.notice_ends_on < today
        # The amount is what the policy engine gives this household today.
        assert rules.entitlement(case, month).monthly_amount == recipient.monthly_amount
        if case.programme == Programme.TEKUN:
            assert recipient.person_id == case.beneficiary_id and recipient.members_covered == 1
        else:
            members = case.household.memberships.filter(end_date__isnull=True).count()
            assert recipient.person_id is None and recipient.members_covered == members
    # Dibao: (standard − per-capita income) × members at least, from the parameters in force.
    case = in_force.filter(programme=Programme.DIBAO).select_related("household").first()
    standard = value_at(f"dibao.standard.{case.household.area_type}", month)
    assert Decimal(0) < case.monthly_amount
    assert case.recipient.monthly_amount <= standard * case.recipient.members_covered * 2


def test_open_applications_are_consistent(county):
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES)
    households = Membership.objects.values("household").distinct().count()
    assert 0.005 <= open_cases.count() / households <= 0.05
    assert set(open_cases.values_list("status", flat=True)) == set(OPEN_STATUSES)
    # No household has two open applications for the same programme.
    pairs = Counter(open_cases.values_list("household_id", "programme"))
    assert max(pairs.values()) == 1
    calendar = Calendar()
    today = timezone.localdate()
    for case in open_cases.select_related("household"):
        assert case.number.startswith("SQ" if case.advance_for_id is None else "XX")
        assert case.number[2:10] == f"{timezone.localtime(case.submitted_at):%Y%m%d}"
        assert case.responsible_code == case.household.registered_code
        assert case.intake_code in (
            case.household.registered_code,
            case.responsible_code[:9] + "000",
        )
        events = list(case.events.order_by("at", "pk"))
        assert events[0].action in ("submit", "open_advance_aid")
        assert events[-1].to_status == case.status
        assert case.version == len(events) - 1
        assert all(e.actor_id is not None for e in events)
        assert [e.at for e in events] == sorted(e.at for e in events)
        if case.status == Status.SUBMITTED:
            assert case.accepted_on is None and case.decision_due is None
            continue
        if case.advance_for_id is None:
            assert case.commitment_signed_at is not None
            days = int(value_at("procedure.decision_working_days", case.accepted_on))
            assert case.decision_due == calendar.add_working_days(case.accepted_on, days)
        if case.status == Status.NOTICE:
            assert case.notice_starts_on <= today <= case.notice_ends_on
            assert case.monthly_amount > 0 and case.decided_by.role == "town_approver"
            assert case.investigator_id != case.decided_by_id
    undecided = open_cases.filter(status__in=UNDECIDED_STATUSES, advance_for__isnull=True)
    assert undecided.filter(decision_due__lt=today).exists()
    # Special hardship: a linked advance-aid case, paid unless the application came today.
    special = Case.objects.filter(special_hardship=True, advance_for__isnull=True)
    assert special.exists()
    for case in special:
        advance = case.advance_cases.get()
        assert advance.programme == Programme.TEMPORARY and advance.advance_due_at is not None
        if advance.status == Status.IN_FORCE:
            assert advance.advance_payment.amount == advance.one_off_amount > 0
            # Two people: the town's approver grants what the intake opened.
            assert advance.decided_by.role == "town_approver"
            assert advance.advance_payment.recorded_by_id == advance.decided_by_id
            assert advance.decided_by_id != advance.created_by_id


def test_town_lists_for_the_demo_assistant(county):
    user = User.objects.get(username="donge_assistant")
    page = list(selectors.case_list(user, "open")[:50])
    assert page
    assert all(c.responsible_code.startswith(user.scope_prefix) for c in page)
    overdue = list(selectors.overdue_cases(user))
    assert len(overdue) >= 2
    assert all(selectors.deadline(c).overdue for c in overdue)
    assert selectors.due_soon(user).exists()
    client = Client()
    client.force_login(user)
    factories.pass_second_step(client, user)  # the demo's own authenticator
    listing = client.get("/cases/")
    assert listing.status_code == 200 and page[0].number in listing.content.decode()
    assert overdue[0].number in client.get("/cases/overdue/").content.decode()
    detail = client.get(f"/cases/{overdue[0].pk}/").content.decode()
    assert "受理" in detail
    household = client.get(f"/households/{page[0].household_id}/")
    assert household.status_code == 200 and page[0].number in household.content.decode()


def test_public_notice_shows_masked_names(county):
    rows = public.notices_in_period(None)
    assert rows
    names = {
        c.applicant.name
        for c in Case.objects.filter(status=Status.NOTICE).select_related("applicant")
    }
    for row in rows:
        assert "*" in row.name and row.name not in names
        assert row.amount > 0
    standing = public.standing_rows(public.standing_notice(None)[:50])
    assert standing and all("*" in r.name for r in standing)
    page = Client().get("/notice/")
    assert page.status_code == 200
    assert rows[0].name in page.content.decode()


def test_expenditure_temporary_aid_carries_its_hardship(county):
    temporary = Case.objects.filter(programme=Programme.TEMPORARY, advance_for__isnull=True)
    expenditure = temporary.filter(temporary_kind="expenditure")
    assert expenditure.exists()
    assert not expenditure.filter(temporary_expense__isnull=True).exists()
    assert not expenditure.filter(temporary_evidence="").exists()
    amounts = set(expenditure.values_list("temporary_expense", flat=True))
    assert amounts <= {Decimal("1800"), Decimal("3500"), Decimal("6000"), Decimal("12000")}
    assert not temporary.filter(temporary_kind="emergency", temporary_expense__isnull=False)
