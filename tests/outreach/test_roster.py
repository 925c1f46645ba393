import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.outreach import roster, services
from jiuzhu.outreach.models import RosterEntry, ServiceContract, Training
from tests import factories
from tests.conftest import client_for
from tests.factories import head_of

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 1, 5)


def test_gaps_against_the_policy_for_each_region(people, dong_e, dong_e_village):
    county = factories.county()
    west = people["other_village"]
    roster.add_staff(people["admin"], "周助理", "assistant", dong_e, DAY)
    roster.add_staff(people["admin"], "吴协理", "coordinator", dong_e_village, DAY)
    for n in range(5):
        roster.add_staff(people["admin"], f"社工{n}", "social_worker", county, DAY)
    left = roster.add_staff(people["assistant"], "郑社工", "social_worker", dong_e_village, DAY)
    roster.end_staff(people["assistant"], left, DAY + dt.timedelta(days=30))
    rows = {
        (g.region.name, g.post): (g.required, g.present, g.missing)
        for g in roster.gaps(people["assistant"], timezone.localdate())
    }
    assert rows == {
        ("东阿镇", "乡镇社会救助助理员"): ("1-2", 1, 0),
        ("东阿镇", "社会工作者"): ("5", 0, 5),
        ("东阿村", "村（社区）协理员"): ("1", 1, 0),
        ("东阿村", "社会工作者"): ("1", 0, 1),  # the one who left does not count
        (west.name, "村（社区）协理员"): ("1", 0, 1),
        (west.name, "社会工作者"): ("1", 0, 1),
    }
    county_rows = {(g.region.name, g.post): g.missing for g in roster.gaps(people["admin"], DAY)}
    assert county_rows[("平阴县", "社会工作者")] == 0 and county_rows[("玫瑰镇", "社会工作者")] == 5
    page = client_for(people["admin"]).get("/outreach/staff/").content.decode()
    assert "缺5人" in page and "个区划未达标" in page


def test_who_may_not_keep_the_roster_and_bad_posts(people, dong_e, dong_e_village, meigui):
    with pytest.raises(PermissionError, match=r"^无权维护经办队伍与购买服务。$"):
        roster.add_staff(people["coordinator"], "某人", "coordinator", dong_e_village, DAY)
    with pytest.raises(PermissionError, match=r"^不在本人管辖区域内。$"):
        roster.add_staff(people["assistant"], "某人", "assistant", meigui, DAY)
    with pytest.raises(DomainError, match=r"^乡镇社会救助助理员不设在村（社区）一级。$"):
        roster.add_staff(people["assistant"], "某人", "assistant", dong_e_village, DAY)
    with pytest.raises(DomainError, match=r"^请选择岗位。$"):
        roster.add_staff(people["assistant"], "某人", "boss", dong_e, DAY)
    assert not RosterEntry.objects.exists()
    entry = roster.add_staff(people["assistant"], "周助理", "assistant", dong_e, DAY)
    with pytest.raises(DomainError, match=r"^学时应在0.5到100之间。$"):
        roster.add_training(people["assistant"], entry, DAY, "政策培训", "0")
    with pytest.raises(DomainError, match=r"^学时应为数字，例如 4 或 2.5。$"):
        roster.add_training(people["assistant"], entry, DAY, "政策培训", "四")
    training = roster.add_training(people["assistant"], entry, DAY, "低保政策培训", "2.5")
    assert (training.topic, training.hours) == ("低保政策培训", Decimal("2.5"))
    assert Training.objects.count() == 1


def contract_input(region, **changes):
    values = {
        "number": "PY-2026-001",
        "organisation": "平阴县阳光社会工作服务中心",
        "region": region,
        "starts_on": DAY,
        "ends_on": DAY + dt.timedelta(days=364),
        "amount_fen": 12_000_000,
        "visits_contracted": 240,
    }
    values.update(changes)
    return roster.ContractInput(**values)


def test_a_contract_serves_people_and_counts_the_visits_it_delivered(people, dong_e, household):
    with pytest.raises(DomainError, match=r"^终止日期不能早于起始日期。$"):
        roster.add_contract(people["admin"], contract_input(dong_e, ends_on=DAY - dt.timedelta(1)))
    with pytest.raises(PermissionError, match=r"^不在本人管辖区域内。$"):
        roster.add_contract(people["other_assistant"], contract_input(dong_e))
    today = timezone.localdate()
    period = {"starts_on": today - dt.timedelta(days=30), "ends_on": today + dt.timedelta(300)}
    contract = roster.add_contract(people["admin"], contract_input(dong_e, **period))
    with pytest.raises(DomainError, match=r"^合同编号已存在。$"):
        roster.add_contract(people["admin"], contract_input(dong_e))
    target = services.add_visit_target(
        people["coordinator"], head_of(household), "elderly_alone", today - dt.timedelta(days=3)
    )
    roster.serve_under(people["assistant"], target, contract)
    visit = services.VisitInput(visited_on=today, findings="送米面油")
    services.record_visit(people["coordinator"], target, visit)
    services.record_visit(
        people["coordinator"],
        target,
        services.VisitInput(visited_on=today - dt.timedelta(days=1), findings="陪同就医"),
    )
    [row] = roster.contracts_in_area(people["assistant"])
    assert (row.people, row.delivered) == (1, 2)
    with pytest.raises(PermissionError, match=r"^无权维护经办队伍与购买服务。$"):
        roster.serve_under(people["coordinator"], target, contract)
    assert [c.number for c in roster.contracts_in_area(people["other_assistant"])] == []
    other_town_contract = roster.add_contract(
        people["admin"], contract_input(factories.county(), number="PY-2026-002")
    )
    assert sorted(c.number for c in roster.contracts_in_area(people["other_assistant"])) == [
        other_town_contract.number
    ]
    assert ServiceContract.objects.count() == 2


def test_the_staff_page_registers_and_refuses(people, dong_e, dong_e_village):
    town = client_for(people["assistant"])
    refused = town.post(
        "/outreach/staff/",
        {
            "action": "staff",
            "name": "吴协理",
            "post": "assistant",
            "region": dong_e_village.pk,
            "since": DAY.isoformat(),
        },
        follow=True,
    )
    assert "乡镇社会救助助理员不设在村（社区）一级。" in refused.content.decode()
    assert not RosterEntry.objects.exists()
    town.post(
        "/outreach/staff/",
        {
            "action": "staff",
            "name": "吴协理",
            "post": "coordinator",
            "region": dong_e_village.pk,
            "since": DAY.isoformat(),
        },
    )
    assert RosterEntry.objects.get().name == "吴协理"
    assert (
        client_for(people["coordinator"]).post("/outreach/staff/", {"action": "staff"}).status_code
        == 404
    )
