"""The evaluation's outreach, coverage, funds, roster and usage indicators, counted from
the data by the tally; weights of an earlier year; the tally page's permissions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jiuzhu.cases.models import Case
from jiuzhu.funds.models import Budget
from jiuzhu.outreach.models import Lead, MonitoredHousehold, RosterEntry, Visit, VisitTarget
from jiuzhu.outreach.roster import gaps_of
from jiuzhu.oversight import evaluation, tally
from jiuzhu.oversight.models import EvaluationTally
from tests import factories
from tests.conftest import client_for
from tests.payments.conftest import make_household, make_recipient

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 12, 31)


def _lead(admin, village, n, due, triaged_at=None):
    return Lead.objects.create(
        number=f"XS{n}",
        reporter=admin,
        region=village,
        region_code=village.code,
        person_name="某人",
        address="东阿村",
        hardship="illness",
        urgency="normal",
        description="x",
        status="closed" if triaged_at else "open",
        reported_at=timezone.make_aware(dt.datetime(2026, 3, 1, 9)),
        triage_due=due,
        triaged_at=triaged_at,
        triaged_by=admin if triaged_at else None,
    )


def test_outreach_funds_roster_and_usage_are_counted(ov_staff, dong_e, dong_e_village):
    admin = ov_staff["admin"]
    first = make_recipient(admin, make_household(admin, dong_e_village, "甲"))
    second = make_recipient(admin, make_household(admin, dong_e_village, "乙"))
    # Usage: one decision taken in the platform. Coverage: one household monitored.
    Case.objects.filter(pk=first.case_id).update(decided_by=ov_staff["approver"])
    MonitoredHousehold.objects.create(
        household=first.household, reason="dibao", town_code=dong_e.code, since=dt.date(2026, 1, 1)
    )
    # Visits: one visited a week ago, one never since joining two years ago.
    for recipient, visited in ((first, dt.date(2026, 12, 24)), (second, None)):
        target = VisitTarget.objects.create(
            person=factories.head_of(recipient.household),
            household=recipient.household,
            group="elderly_alone",
            village=dong_e_village,
            village_code=dong_e_village.code,
            since=dt.date(2024, 12, 1),
            created_by=admin,
        )
        if visited:
            Visit.objects.create(target=target, visitor=admin, visited_on=visited, findings="好")
    # Leads: one triaged by its deadline in March, one still open since its June deadline.
    _lead(
        admin,
        dong_e_village,
        1,
        dt.date(2026, 3, 5),
        timezone.now().replace(year=2026, month=3, day=4),
    )
    _lead(admin, dong_e_village, 2, dt.date(2026, 6, 5))
    Budget.objects.create(
        year=2026,
        programme="dibao",
        level="town",
        region=dong_e,
        region_code=dong_e.code,
        amount_fen=1_000_000,
        updated_by=admin,
    )
    # Roster: one assistant in the town, nobody else.
    RosterEntry.objects.create(
        name="周助理",
        post="assistant",
        region=dong_e,
        region_code=dong_e.code,
        since=dt.date(2025, 1, 1),
    )
    required = sum(
        gap.minimum
        for gap in gaps_of(
            dong_e.__class__.objects.filter(code__startswith=dong_e.prefix),
            RosterEntry.objects.none(),
            AS_OF,
        )
    )

    tally.tally_year(admin, 2026, AS_OF)
    (town,) = [r for r in evaluation.evaluate(admin, 2026).scores if r.town == dong_e]
    assert town.counts["usage"] == (1, 2)
    assert town.counts["coverage"] == (1, 2)
    assert town.counts["visits"] == (1, 2)
    assert town.counts["leads"] == (1, 2)
    assert town.months["leads"][2] == (1, 1) and town.months["leads"][5] == (0, 1)
    assert town.counts["funds"] == (0, 1_000_000)  # nothing paid yet
    assert town.counts["roster"] == (1, required)
    # State indicators are kept under the tally's month.
    assert town.months["coverage"][11] == (1, 2)
    # Counted again, the year's rows are replaced, not added to.
    rows = EvaluationTally.objects.count()
    tally.tally_year(admin, 2026, AS_OF)
    assert EvaluationTally.objects.count() == rows


def test_an_earlier_year_keeps_its_six_weights(ov_staff):
    weights = evaluation.Weights.on(dt.date(2025, 12, 31))
    assert weights.weights[:6] == tuple(
        Decimal(w) for w in ("0.3", "0.1", "0.1", "0.2", "0.1", "0.2")
    )
    assert weights.weights[6:] == (Decimal(0),) * 6
    assert sum(evaluation.Weights.on(AS_OF).weights) == Decimal(1)


def test_the_tally_is_started_from_the_page_by_who_may(ov_staff):
    year = timezone.localdate().year
    response = client_for(ov_staff["admin"]).post(reverse("oversight:evaluation"), {"year": year})
    assert response.status_code == 302 and "task=" in response["Location"]
    assert EvaluationTally.objects.filter(year=year).exists()
    for who in ("approver", "assistant"):
        denied = client_for(ov_staff[who]).post(reverse("oversight:evaluation"), {"year": year})
        assert denied.status_code == 404
    with pytest.raises(PermissionError):
        tally.tally_year(ov_staff["approver"], year)
