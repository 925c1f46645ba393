import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from jiuzhu.cases.models import Recipient
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Task
from jiuzhu.core.workdays import Calendar
from jiuzhu.outreach import monitoring, selectors, unhelped
from jiuzhu.outreach.models import MonitoredHousehold, MonitoringWarning
from jiuzhu.policy import batch as policy_batch
from jiuzhu.policy.models import CalculationRun, EntitlementResult, Parameter
from jiuzhu.policy.parameters import ParameterSet
from jiuzhu.registry import services as registry_services
from jiuzhu.registry.models import Relation
from jiuzhu.verification.models import ExtractStatus
from tests import factories
from tests.conftest import client_for
from tests.factories import head_of
from tests.payments.conftest import make_recipient
from tests.verification.conftest import import_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def families(people, dong_e_village, meigui_village):
    """Two households of 东阿村 and one of 玫瑰村, heads born on distinct days."""

    def family(village, name, born):
        return factories.household(
            people["admin"],
            village,
            members=[factories.born(Relation.HEAD, name, village, born)],
        )

    return {
        "dead": family(dong_e_village, "赵一", dt.date(1970, 1, 1)),
        "jobless": family(dong_e_village, "钱二", dt.date(1980, 2, 2)),
        "small": family(dong_e_village, "孙三", dt.date(1981, 3, 3)),
        "meigui": family(meigui_village, "李四", dt.date(1982, 4, 4)),
        "elder": family(dong_e_village, "周老", dt.date(1940, 5, 5)),
    }


def identity(household):
    person = head_of(household)
    return {"id_number": person.id_number, "name": person.name, "birth_date": person.birth_date}


def test_rules_raise_warnings_for_the_town_with_evidence_once(people, families, officer, tmp_path):
    today = timezone.localdate()
    recent, old = today - dt.timedelta(days=10), today - dt.timedelta(days=200)
    deaths = [
        {**identity(families["dead"]), "death_date": recent},
        {**identity(families["elder"]), "death_date": recent},  # past working age
        {**identity(families["meigui"]), "death_date": old},
    ]
    for extract_date, rows in ((old, deaths[2:]), (recent, deaths[:2])):
        imported = import_rows(officer, tmp_path, "deaths", rows, extract_date)
        assert imported.extract.status == ExtractStatus.ACCEPTED
    before = [
        {**identity(families["jobless"]), "monthly_amount": "1200.00"},
        {**identity(families["small"]), "monthly_amount": "300.00"},  # under the 500 threshold
        {**identity(families["meigui"]), "monthly_amount": "900.00"},  # still paid
    ]
    import_rows(officer, tmp_path, "unemployment", before, today - dt.timedelta(days=40))
    import_rows(officer, tmp_path, "unemployment", before[2:], today - dt.timedelta(days=5))

    with pytest.raises(PermissionError, match=r"^无权运行低收入人口监测预警。$"):
        monitoring.run_rules(people["assistant"], today)
    assert monitoring.run_rules(people["admin"], today) == 2
    due = Calendar().add_working_days(today, 5)
    found = {
        (w.rule, w.person.name, w.town_code, w.handling_due, w.evidence["amount_fen"])
        for w in MonitoringWarning.objects.select_related("person")
    }
    assert found == {
        ("death", "赵一", "370124102000", due, 0),
        ("benefit_lost", "钱二", "370124102000", due, 120_000),
    }
    death = MonitoringWarning.objects.get(rule="death")
    assert death.evidence["source_date"] == str(recent)
    assert death.rule_label == "劳动年龄家庭成员死亡（可能失去主要劳动力）"
    # Run again: the same hits are not raised twice.
    assert monitoring.run_rules(people["admin"], today) == 0
    assert selectors.warnings_in_area(people["other_assistant"]).count() == 0
    assert selectors.warnings_in_area(people["assistant"]).count() == 2


def test_handling_is_recorded_once_by_the_town(people, families, officer, tmp_path):
    today = timezone.localdate()
    import_rows(
        officer, tmp_path, "deaths", [{**identity(families["dead"]), "death_date": today}], today
    )
    monitoring.run_rules(people["admin"], today)
    warning = MonitoringWarning.objects.get()
    with pytest.raises(PermissionError, match=r"^不在本人管辖区域内。$"):
        monitoring.handle_warning(people["other_assistant"], warning, "visit", "已入户")
    with pytest.raises(PermissionError, match=r"^无权处置监测预警。$"):
        monitoring.handle_warning(people["coordinator"], warning, "visit", "已入户")
    with pytest.raises(DomainError, match=r"^请选择处置方式。$"):
        monitoring.handle_warning(people["assistant"], warning, "ignore", "不管")
    with pytest.raises(DomainError, match=r"^请填写处置说明。$"):
        monitoring.handle_warning(people["assistant"], warning, "visit", " ")
    assert MonitoringWarning.objects.get().handled_at is None
    monitoring.handle_warning(people["assistant"], warning, "visit", "已入户核实，遗孀独居")
    handled = MonitoringWarning.objects.get()
    assert (handled.handling, handled.handled_by) == ("visit", people["assistant"])
    with pytest.raises(DomainError, match=r"^该预警已处置。$"):
        monitoring.handle_warning(people["approver"], warning, "no_action", "重复")


def test_warnings_page_runs_the_rules_as_a_task_and_records_handling(
    settings, people, families, officer, tmp_path
):
    settings.JIUZHU_TASKS_INLINE = True
    today = timezone.localdate()
    import_rows(
        officer, tmp_path, "deaths", [{**identity(families["dead"]), "death_date": today}], today
    )
    assert (
        client_for(people["assistant"]).post("/outreach/warnings/", {"action": "run"}).status_code
        == 404
    )
    client_for(people["admin"]).post("/outreach/warnings/", {"action": "run"})
    task = Task.objects.get(kind=monitoring.TASK_KIND)
    assert (task.status, task.result) == ("done", {"new": 1, "joined": 1, "left": 0})
    warning = MonitoringWarning.objects.get()
    town = client_for(people["assistant"])
    page = town.get("/outreach/warnings/").content.decode()
    assert "家庭成员死亡（可能失去主要劳动力）" in page and "赵一" in page
    refused = town.post(
        "/outreach/warnings/",
        {"action": "handle", "warning": warning.pk, "handling": "visit", "note": ""},
        follow=True,
    )
    assert "请选择处置方式并填写处置说明。" in refused.content.decode()
    town.post(
        "/outreach/warnings/",
        {
            "action": "handle",
            "warning": warning.pk,
            "handling": "application",
            "note": "已受理临时救助",
        },
    )
    assert MonitoringWarning.objects.get().handling == "application"
    assert (
        "赵一"
        not in client_for(people["other_assistant"]).get("/outreach/warnings/").content.decode()
    )


def test_the_list_follows_recipients_and_warnings_and_keeps_its_history(
    people, families, officer, tmp_path
):
    today = timezone.localdate()
    recipient = make_recipient(people["admin"], families["small"])
    make_recipient(people["admin"], families["meigui"], programme="tekun")
    import_rows(
        officer, tmp_path, "deaths", [{**identity(families["dead"]), "death_date": today}], today
    )
    monitoring.run_rules(people["admin"], today)
    with pytest.raises(PermissionError, match=r"^无权运行低收入人口监测预警。$"):
        monitoring.refresh_list(people["assistant"], today)
    assert monitoring.refresh_list(people["admin"], today) == (3, 0)
    listed = {
        (m.household, m.reason, m.town_code)
        for m in MonitoredHousehold.objects.filter(until__isnull=True)
    }
    assert listed == {
        (families["small"], "dibao", "370124102000"),
        (families["meigui"], "tekun", "370124106000"),
        (families["dead"], "warning", "370124102000"),
    }
    assert monitoring.refresh_list(people["admin"], today) == (0, 0)
    # The dibao ends and the warning is closed as needing nothing: both leave, as history.
    Recipient.objects.filter(pk=recipient.pk).update(status="ended")
    monitoring.handle_warning(
        people["assistant"], MonitoringWarning.objects.get(), "no_action", "已由子女赡养"
    )
    assert monitoring.refresh_list(people["admin"], today) == (0, 2)
    left = selectors.monitoring_history(people["assistant"]).values_list("reason", "until")
    assert sorted(left) == [("dibao", today), ("warning", today)]
    assert dict(selectors.monitored_by_reason(people["admin"]))["特困人员"] == 1
    assert dict(selectors.monitored_by_reason(people["assistant"]))["特困人员"] == 0


def test_the_town_adds_a_household_for_its_own_reasons_only(people, families):
    household = families["jobless"]
    with pytest.raises(DomainError, match=r"^请选择由乡镇认定的纳入原因。$"):
        monitoring.add_to_list(people["assistant"], household, "dibao", "x")
    with pytest.raises(DomainError, match=r"^请填写认定依据。$"):
        monitoring.add_to_list(people["assistant"], household, "expenditure", " ")
    with pytest.raises(DomainError, match=r"^该家庭不在本乡镇，不能纳入。$"):
        monitoring.add_to_list(people["other_assistant"], household, "expenditure", "医疗支出大")
    with pytest.raises(PermissionError, match=r"^无权处置监测预警。$"):
        monitoring.add_to_list(people["coordinator"], household, "expenditure", "医疗支出大")
    assert not MonitoredHousehold.objects.exists()
    row = monitoring.add_to_list(people["assistant"], household, "expenditure", "年医疗自付3万元")
    assert (row.reason, row.since, row.added_by) == (
        "expenditure",
        timezone.localdate(),
        people["assistant"],
    )
    with pytest.raises(DomainError, match=r"^该家庭已因此原因纳入监测。$"):
        monitoring.add_to_list(people["approver"], household, "expenditure", "重复")
    # The job leaves what the town entered alone.
    assert monitoring.refresh_list(people["admin"], timezone.localdate()) == (0, 0)
    assert MonitoredHousehold.objects.get().until is None


def test_should_be_helped_and_is_not(people, families):
    today = timezone.localdate()
    for name in ("jobless", "small"):
        monitoring.add_to_list(people["assistant"], families[name], "expenditure", "医疗支出大")
    make_recipient(people["admin"], families["small"], programme="elderly")
    unlisted = families["dead"]
    assert unhelped.unhelped(people["assistant"]) == unhelped.UnhelpedList(None)
    run = CalculationRun.objects.create(kind="entitlements", month=today.replace(day=1))
    EntitlementResult.objects.bulk_create(
        [
            EntitlementResult(
                run=run, household_id=h.pk, programme=p, eligible=e, amount_fen=a, reason_code=0
            )
            for h, p, e, a in (
                (families["jobless"], "dibao", True, 45_000),
                (families["jobless"], "temporary", True, 5_000),
                (families["jobless"], "tekun", False, 0),
                (families["small"], "dibao", True, 30_000),  # receives an allowance already
                (unlisted, "dibao", True, 60_000),  # not on the monitoring list
            )
        ]
    )
    found = unhelped.unhelped(people["assistant"])
    assert found.run == run
    assert [(u.household, u.programmes, u.monthly_fen) for u in found.rows] == [
        (families["jobless"], ["最低生活保障", "临时救助"], 50_000)
    ]
    assert [(t.code, t.name, t.households) for t in found.towns] == [("370124102000", "东阿镇", 1)]
    assert unhelped.unhelped(people["other_assistant"]) == unhelped.UnhelpedList(run)
    # The county sees every town; a town outside the list, or not a town at all, lists nobody.
    county = unhelped.unhelped(people["admin"], "370124102000")
    assert (county.total, [u.household for u in county.rows]) == (1, [families["jobless"]])
    assert unhelped.unhelped(people["admin"], "370124106000").rows == []
    assert unhelped.unhelped(people["admin"], "x' OR 1=1 --").rows == []
    page = client_for(people["assistant"]).get("/outreach/monitoring/").content.decode()
    assert families["jobless"].number in page and "最低生活保障、临时救助" in page
    county = client_for(people["admin"])
    chosen = county.get("/outreach/monitoring/?town=370124102000").content.decode()
    assert '<a href="?town=370124102000">东阿镇</a>（当前）' in chosen
    assert families["jobless"].number in chosen
    other = county.get("/outreach/monitoring/?town=370124106000").content.decode()
    assert "没有应救未救的家庭。" in other
    assert client_for(people["volunteer"]).get("/outreach/monitoring/").status_code == 404


def test_a_child_who_left_school_is_warned_an_adult_is_not(
    people, dong_e_village, officer, tmp_path
):
    today = timezone.localdate()
    child = factories.household(
        people["admin"],
        dong_e_village,
        members=[
            factories.born(Relation.HEAD, "周父", dong_e_village, dt.date(1980, 5, 5)),
            factories.born(
                Relation.CHILD, "周小妹", dong_e_village, today - dt.timedelta(days=14 * 366), "F"
            ),
        ],
    )
    daughter = child.memberships.get(relation=Relation.CHILD).person
    adult = factories.household(
        people["admin"],
        dong_e_village,
        members=[factories.born(Relation.HEAD, "吴大哥", dong_e_village, dt.date(2000, 6, 6))],
    )
    pupils = [
        {
            "id_number": daughter.id_number,
            "name": daughter.name,
            "birth_date": daughter.birth_date,
            "school": "东阿镇中学",
            "stage": "初中",
        },
        {**identity(adult), "school": "山东某大学", "stage": "本科"},
    ]
    import_rows(officer, tmp_path, "students", pupils, today - dt.timedelta(days=120))
    # The latest extract lists someone else (an empty extract is refused at import).
    other = {
        "id_number": factories.id_number(),
        "name": "郑同学",
        "birth_date": dt.date(1970, 5, 17),
    }
    import_rows(
        officer,
        tmp_path,
        "students",
        [{**other, "school": "县职业中专", "stage": "中职"}],
        today - dt.timedelta(days=10),
    )
    assert monitoring.run_rules(people["admin"], today) == 1
    warning = MonitoringWarning.objects.get()
    assert (warning.rule, warning.person, warning.household) == ("left_school", daughter, child)
    assert warning.evidence == {
        "source_date": str(today - dt.timedelta(days=10)),
        "amount_fen": 0,
        "detail": "原就读 东阿镇中学 初中",
    }
    assert warning.rule_label == "未成年子女中断学业"


def test_the_monitoring_page_adds_a_household_and_says_why_not(people, families):
    town = client_for(people["assistant"])
    form = {"household_number": "0000", "reason": "return_risk", "note": "务工收入不稳定"}
    unknown = town.post("/outreach/monitoring/", form)
    assert "本辖区没有该户编号的家庭档案。" in unknown.content.decode()
    town.post("/outreach/monitoring/", {**form, "household_number": families["jobless"].number})
    assert MonitoredHousehold.objects.get().reason == "return_risk"
    assert client_for(people["coordinator"]).post("/outreach/monitoring/", form).status_code == 404


def test_medical_disability_and_disaster_rules_with_their_thresholds(
    people, families, officer, tmp_path
):
    today = timezone.localdate()
    recent, old = today - dt.timedelta(days=10), today - dt.timedelta(days=200)
    medical = [
        {**identity(families["dead"]), "year": today.year, "out_of_pocket": "25000.00"},
        {**identity(families["jobless"]), "year": today.year, "out_of_pocket": "19999.99"},
    ]
    import_rows(officer, tmp_path, "medical_expenses", medical, recent)
    certificates = [
        {
            **identity(families["small"]),
            "disability_type": "肢体",
            "grade": 1,
            "registered_on": recent,
        },
        {
            **identity(families["jobless"]),
            "disability_type": "视力",
            "grade": 3,
            "registered_on": recent,
        },  # not severe
        {
            **identity(families["meigui"]),
            "disability_type": "智力",
            "grade": 2,
            "registered_on": old,
        },  # not new
        {
            **identity(families["dead"]),
            "disability_type": "精神",
            "grade": 0,
            "registered_on": recent,
        },  # no such grade
    ]
    import_rows(officer, tmp_path, "disability", certificates, recent)
    losses = [
        {
            **identity(families["meigui"]),
            "disaster": "7·20暴雨",
            "occurred_on": recent,
            "damage": "房屋倒塌",
            "loss": "8000.00",
        },
        {
            **identity(families["small"]),
            "disaster": "7·20暴雨",
            "occurred_on": recent,
            "damage": "农作物绝收",
            "loss": "4999.00",
        },  # under the threshold
        {
            **identity(families["jobless"]),
            "disaster": "春季冰雹",
            "occurred_on": old,
            "damage": "房屋严重损坏",
            "loss": "30000.00",
        },  # too long ago
    ]
    import_rows(officer, tmp_path, "disasters", losses, recent)

    assert monitoring.run_rules(people["admin"], today) == 3
    found = {
        (
            w.rule,
            w.person.name,
            w.town_code,
            w.rule_label,
            w.amount_label,
            tuple(sorted(w.evidence.items())),
        )
        for w in MonitoringWarning.objects.select_related("person")
    }
    assert found == {
        (
            "medical_spending",
            "赵一",
            "370124102000",
            "医疗费用个人负担过重",
            "本年度个人自付",
            (("amount_fen", 2_500_000), ("detail", ""), ("source_date", f"{today.year}-01-01")),
        ),
        (
            "severe_disability",
            "孙三",
            "370124102000",
            "新增重度残疾",
            "",
            (("amount_fen", 0), ("detail", "新办残疾人证 肢体 1级"), ("source_date", str(recent))),
        ),
        (
            "disaster_damage",
            "李四",
            "370124106000",
            "遭受自然灾害损失",
            "核定损失",
            (
                ("amount_fen", 800_000),
                ("detail", "受灾 7·20暴雨 房屋倒塌"),
                ("source_date", str(recent)),
            ),
        ),
    }
    # A later medical extract of the same year does not raise the same warning again.
    import_rows(officer, tmp_path, "medical_expenses", medical[:1], today)
    assert monitoring.run_rules(people["admin"], today) == 0
    page = client_for(people["assistant"]).get("/outreach/warnings/").content.decode()
    assert "本年度个人自付 25,000.00 元" in page and "新办残疾人证 肢体 1级" in page
    assert "李四" not in page  # 玫瑰镇's warning is not 东阿镇's to see


def test_a_lower_threshold_in_force_widens_the_rule(people, families, officer, tmp_path):
    today = timezone.localdate()
    row = {**identity(families["jobless"]), "year": today.year, "out_of_pocket": "12000.00"}
    import_rows(officer, tmp_path, "medical_expenses", [row], today)
    assert monitoring.run_rules(people["admin"], today) == 0
    Parameter.objects.create(
        key="outreach.warning.medical_out_of_pocket_min",
        effective_from=today - dt.timedelta(days=1),
        value="10000.00",
        unit="元/年",
        source="县民政局通知",
    )
    assert monitoring.run_rules(people["admin"], today) == 1


def test_edge_households_join_and_leave_the_list_by_the_policy_engine(people, dong_e_village):
    today = timezone.localdate()
    standard = Decimal(ParameterSet.load(today).fen("dibao.standard.rural")) / 100

    def single(name, born, monthly):
        return factories.household_with_incomes(
            people["admin"],
            dong_e_village,
            [factories.born(Relation.HEAD, name, dong_e_village, born)],
            incomes=(("pension", str(monthly)),) if monthly else (),
        )

    edge = single("冯边缘", dt.date(1955, 1, 1), standard * Decimal("1.2"))
    single("陈较好", dt.date(1956, 1, 1), standard * 2)  # above the multiple
    single("褚无收入", dt.date(1957, 1, 1), 0)  # under the standard: dibao, not edge
    assert list(policy_batch.edge_households(today)) == [edge.pk]
    assert monitoring.refresh_list(people["admin"], today) == (1, 0)
    row = MonitoredHousehold.objects.get()
    assert (row.household, row.reason, row.town_code, row.since, row.until) == (
        edge,
        "edge",
        "370124102000",
        today,
        None,
    )
    with pytest.raises(DomainError, match=r"^请选择由乡镇认定的纳入原因。$"):
        monitoring.add_to_list(people["assistant"], edge, "edge", "收入略高")
    # A new income lifts the household above the multiple: it leaves, its row kept.
    registry_services.add_income(people["admin"], edge, "wages", standard)
    later = today + dt.timedelta(days=31)
    assert monitoring.refresh_list(people["admin"], later) == (0, 1)
    history = selectors.monitoring_history(people["assistant"]).get()
    assert (history.reason, history.since, history.until) == ("edge", today, later)
    assert selectors.monitoring_history(people["other_assistant"]).count() == 0
