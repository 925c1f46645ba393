"""The demo's outreach: leads in the first villages of every town, triaged or waiting, and
visit plans with visits, made through the outreach services."""

import pytest
from django.test import Client
from django.utils import timezone

from jiuzhu.cases.models import ACTIVE_RECIPIENT_STATUSES, Case, Channel, Recipient
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.demo.accounts import DEMO_PASSWORD
from jiuzhu.demo.outreach import seed_demo
from jiuzhu.outreach.models import (
    Deliberation,
    Lead,
    LeadStatus,
    MonitoredHousehold,
    Referral,
    RosterEntry,
    ServiceContract,
    Visit,
    VisitTarget,
)
from jiuzhu.policy import batch as policy_batch
from tests import factories
from tests.demo.helpers import run_demo

pytestmark = pytest.mark.django_db


def test_leads_and_visits_for_the_first_villages_of_every_town():
    run_demo(400, 5)
    made = seed_demo(seed=1)
    towns = Region.objects.filter(level=RegionLevel.TOWN).count()
    assert (made.leads, made.overdue) == (towns * 2 * 4, towns * 2)
    assert Lead.objects.count() == made.leads
    assert Lead.objects.filter(status=LeadStatus.REFERRED).count() == towns * 2
    handled = Lead.objects.exclude(status=LeadStatus.OPEN).count()
    assert handled == made.triaged
    into_cases = Lead.objects.filter(status=LeadStatus.APPLICATION)
    assert into_cases.exists()
    assert (
        into_cases.count()
        == Case.objects.filter(channel=Channel.REFERRAL, reason__startswith="主动发现线索").count()
    )
    assert made.targets == VisitTarget.objects.count() > 0
    assert made.visits == Visit.objects.count() > 0
    listed = MonitoredHousehold.objects.filter(until__isnull=True)
    assert made.monitored == listed.count()
    assert listed.filter(reason="expenditure").count() == towns * 3
    edge = policy_batch.edge_households(timezone.localdate())
    assert sorted(listed.filter(reason="edge").values_list("household_id", flat=True)) == sorted(
        edge.tolist()
    )
    assert len(edge) > 0
    assert (
        listed.filter(reason="dibao").count()
        == Recipient.objects.filter(programme="dibao", status__in=ACTIVE_RECIPIENT_STATUSES)
        .values("household_id")
        .distinct()
        .count()
    )
    assert made.deliberations == Deliberation.objects.filter(case__isnull=False).count() == 1
    assert made.staff == RosterEntry.objects.count() >= towns * 3 + 3
    assert ServiceContract.objects.count() == towns
    assert Referral.objects.count() == towns * 2
    client = Client()
    assert client.login(username="donge_201_volunteer", password=DEMO_PASSWORD)
    assert "我上报的线索" in client.get("/outreach/leads/").content.decode()
    assert client.login(username="donge_assistant", password=DEMO_PASSWORD)
    factories.pass_second_step(client, User.objects.get(username="donge_assistant"))
    page = client.get("/outreach/leads/").content.decode()
    assert "（其中超期 2 条）" in page
    visits = client.get("/outreach/visits/").content.decode()
    assert "下次应探访" in visits
    monitored = client.get("/outreach/monitoring/").content.decode()
    assert "低保边缘家庭" in monitored and "刚性支出困难家庭" in monitored
    assert "应救未救名单（" in monitored  # the month's run is there
    assert "缺" in client.get("/outreach/staff/").content.decode()
    referrals_page = client.get("/outreach/referrals/").content.decode()
    assert (
        Deliberation.objects.get().number in referrals_page and "临时救助申请：SQ" in referrals_page
    )
