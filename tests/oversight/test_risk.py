import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest
from django.urls import reverse

from jiuzhu.batch.engine import DuckDBEngine, SparkEngine, spark_available
from jiuzhu.cases.models import Recipient
from jiuzhu.core.errors import DomainError
from jiuzhu.core.roles import Role
from jiuzhu.oversight import risk, rules, selectors
from jiuzhu.oversight.models import Alert, AlertStatus, FollowUp, RelativeDeclaration
from tests import factories
from tests.conftest import client_for
from tests.payments.conftest import make_household, make_recipient

AS_OF = dt.date(2026, 12, 15)
THRESHOLDS = rules.Thresholds(
    as_of=AS_OF,
    shared_account_households=2,
    approval_share=Decimal("0.8"),
    approval_min_decisions=5,
    review_overdue_days=30,
)
T1, T2 = "370124102000", "370124106000"


def table(**columns):
    return pa.table(columns)


def small_inputs():
    """Four recipients: 1 dead and still paid, 1 and 2 sharing an account, 3 a staff
    member's relative with a car, also on tekun in another town (4), 2's amount changed
    after approval, 4's review long overdue; decider 7 approved 9 of 10 in town 1."""
    d = pa.date32()
    return {
        "recipients": table(
            recipient_id=pa.array([1, 2, 3, 4], pa.int64()),
            household_id=pa.array([10, 20, 30, 40], pa.int64()),
            person_id=pa.array([None, None, None, 301], pa.int64()),
            programme=["dibao", "dibao", "dibao", "tekun"],
            town_code=[T1, T1, T1, T2],
            monthly_fen=pa.array([50000, 60000, 40000, 90000], pa.int64()),
            approved_fen=pa.array([50000, 55000, 40000, None], pa.int64()),
            decided_by=pa.array([7, 7, 8, None], pa.int64()),
            next_review_on=pa.array([None, dt.date(2026, 12, 1), None, dt.date(2026, 10, 1)], d),
        ),
        "members": table(
            person_id=pa.array([101, 102, 201, 301, 301], pa.int64()),
            household_id=pa.array([10, 10, 20, 30, 40], pa.int64()),
            id_digest=["A101", "A102", "A201", "A301", "A301"],
        ),
        "lines": table(
            for_month=pa.array(
                [dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)] * 2, d
            ),
            recipient_id=pa.array([1, 1, 1, 2, 2, 2], pa.int64()),
            household_id=pa.array([10, 10, 10, 20, 20, 20], pa.int64()),
            account_number=["6222"] * 6,
            net_fen=pa.array([50000, 50000, 50000, 60000, 60000, 60000], pa.int64()),
        ),
        "facts": table(
            id_digest=["A102", "A301", "A999"],
            category=["death", "vehicle", "death"],
            extract_date=pa.array([dt.date(2026, 10, 20)] * 3, d),
        ),
        "relatives": table(
            staff_id=pa.array([8], pa.int64()), person_id=pa.array([301], pa.int64())
        ),
        "decisions": table(decided_by=pa.array([7] * 9 + [8], pa.int64()), town_code=[T1] * 10),
    }


def run_on(engine):
    try:
        rules.prepare(engine, small_inputs())
        hits = rules.run(engine, THRESHOLDS)
    finally:
        engine.close()
    return {
        code: sorted(
            (r["subject"], r["town_code"], r["staff_id"], r["n"], r["amount_fen"]) for r in rows
        )
        for code, rows in hits.items()
    }


EXPECTED = {
    # Paid in November and December after the death known on 20 October.
    "deceased_paid": [("1", T1, None, 2, 100000)],
    "shared_account": [("", T1, None, 2, 330000)],
    "public_employee": [],
    "vehicle_owner": [("3", T1, None, 1, 0), ("4", T2, None, 1, 0)],
    "company_owner": [],
    "two_places": [("", T1, None, 2, 0)],
    "staff_relative": [("3:8", T1, 8, 1, 0), ("4:8", T2, 8, 1, 0)],
    "approval_share": [(f"{T1}:7", T1, 7, 9, 10)],
    "amount_changed": [("2", T1, 7, 1, 5000)],
    "overdue_review": [("4", T2, None, 1, 0)],
}


def without_hashes(found):
    """md5 subjects (accounts, ID numbers) differ only in the hash: blank them to compare."""
    return {
        code: [("", *row[1:]) if code in ("shared_account", "two_places") else row for row in rows]
        for code, rows in found.items()
    }


def test_each_rule_on_a_small_county():
    found = run_on(DuckDBEngine())
    assert without_hashes(found) == EXPECTED
    engine = DuckDBEngine()
    rules.prepare(engine, small_inputs())
    hits = rules.run(engine, THRESHOLDS)
    engine.close()
    assert [hit["households"] for hit in hits["shared_account"]] == [[10, 20]]
    assert [hit["households"] for hit in hits["two_places"]] == [[30, 40]]
    assert "households" not in hits["vehicle_owner"][0]
    assert len(found["shared_account"][0][0]) == 32  # the account itself is not kept


@pytest.mark.skipif(not spark_available(), reason="Spark is not installed here")
def test_the_same_sql_on_spark():
    assert run_on(SparkEngine()) == run_on(DuckDBEngine())


def test_each_rule_explains_its_hit():
    row = {"n": 2, "amount_fen": 100000, "on_date": dt.date(2026, 10, 20)}
    by_code = {rule.code: rule for rule in rules.RULES}
    assert (
        by_code["deceased_paid"].explain(row)
        == "部门数据显示已死亡（数据截至2026-10-20），此后仍发放2笔，共1000.00元"
    )
    assert by_code["shared_account"].explain(row) == "同一银行账户为2户救助家庭收款，共1000.00元"


@pytest.fixture
def county_recipients(pay_staff, dong_e_village, meigui_village, county_supervisor):
    admin = pay_staff["admin"]
    late = make_recipient(admin, make_household(admin, dong_e_village, "王老汉"))
    Recipient.objects.filter(pk=late.pk).update(next_review_on=dt.date(2026, 1, 1))
    changed = make_recipient(admin, make_household(admin, meigui_village, "李大娘"), "300.00")
    Recipient.objects.filter(pk=changed.pk).update(monthly_amount=Decimal("450.00"))
    return late, changed


@pytest.fixture
def county_supervisor(db):
    return factories.user(Role.COUNTY_SUPERVISOR, factories.county(), username="risk_sup")


@pytest.mark.django_db
def test_scan_raises_alerts_once_and_counts_them(county_recipients, county_supervisor, pay_staff):
    late, _changed = county_recipients
    first = risk.scan(county_supervisor, AS_OF)
    assert first.new_alerts == 2
    assert first.hits["overdue_review"] == 1 and first.hits["amount_changed"] == 1
    second = risk.scan(county_supervisor, AS_OF + dt.timedelta(days=1))
    assert second.new_alerts == 0
    overdue = Alert.objects.get(rule="overdue_review")
    assert (overdue.subject_key, overdue.times_seen, overdue.last_seen_on) == (
        str(late.pk),
        2,
        AS_OF + dt.timedelta(days=1),
    )
    assert overdue.evidence["text"] == "应于2026-01-01复核，至今未复核"
    assert Alert.objects.get(rule="amount_changed").evidence["text"] == (
        "现发放金额与审批确认金额相差150.00元"
    )
    counts = selectors.alert_counts(county_supervisor)
    assert [(c.rule, c.town_code, c.open, c.concluded) for c in counts] == [
        ("amount_changed", T2, 1, 0),
        ("overdue_review", T1, 1, 0),
    ]
    # A town approver sees only what is given to them.
    assert list(selectors.alerts_for(pay_staff["approver"])) == []
    with pytest.raises(PermissionError, match=r"^无权分派投诉举报和风险预警、运行风险筛查。$"):
        risk.scan(pay_staff["admin"], AS_OF)


@pytest.mark.django_db
def test_relative_of_staff_is_flagged_and_handled_by_someone_else(
    pay_staff, dong_e_village, county_supervisor
):
    admin, approver = pay_staff["admin"], pay_staff["approver"]
    household = make_household(admin, dong_e_village, "周大爷")
    make_recipient(admin, household)
    relative = factories.head_of(household)
    with pytest.raises(DomainError, match=r"^请选择关系。$"):
        risk.declare_relative(approver, relative, "邻居")
    risk.declare_relative(approver, relative, "父母")
    with pytest.raises(DomainError, match=r"^该亲属已备案。$"):
        risk.declare_relative(approver, relative, "父母")
    assert RelativeDeclaration.objects.count() == 1
    risk.scan(county_supervisor, AS_OF)
    alert = Alert.objects.get(rule="staff_relative")
    assert alert.staff_involved == approver and alert.household == household
    with pytest.raises(DomainError, match=r"^不能由预警涉及的工作人员核查，请另选承办人。$"):
        risk.assign_alert(county_supervisor, alert, approver)
    assert approver not in selectors.alert_handler_candidates(county_supervisor, alert)
    other = factories.user(Role.COUNTY_SUPERVISOR, factories.county(), username="risk_sup2")
    risk.assign_alert(county_supervisor, alert, other)
    with pytest.raises(PermissionError, match=r"^只有承办人可以办结这条预警。$"):
        risk.conclude_alert(county_supervisor, alert, "false_alarm", "x")
    with pytest.raises(DomainError, match=r"^请选择处理结论。$"):
        risk.conclude_alert(other, alert, "maybe", "x")
    with pytest.raises(DomainError, match=r"^请填写处理说明。$"):
        risk.conclude_alert(other, alert, "referral", "  ")
    risk.conclude_alert(other, alert, "referral", "移交纪检监察组。")
    alert.refresh_from_db()
    assert (alert.status, alert.conclusion) == (AlertStatus.CONCLUDED, "referral")
    assert [f.kind for f in FollowUp.objects.filter(alert=alert)] == ["discipline"]
    with pytest.raises(DomainError, match=r"^已办结的预警不能再分派。$"):
        risk.assign_alert(county_supervisor, alert, other)
    # The staff member concerned never sees the alert.
    assert selectors.alert_for(approver, alert.pk) is None
    # A repeated hit updates the concluded alert; no new one is raised.
    assert risk.scan(county_supervisor, AS_OF).new_alerts == 0


@pytest.mark.django_db
def test_alert_pages(county_recipients, county_supervisor, pay_staff):
    risk.scan(county_supervisor, AS_OF)
    client = client_for(county_supervisor)
    page = client.get(reverse("oversight:alerts"))
    text = page.content.decode()
    assert "长期未复核" in text and "东阿镇" in text and "审批后金额被改动" in text
    alert = Alert.objects.get(rule="overdue_review")
    assert client.get(reverse("oversight:alert", args=[alert.pk])).status_code == 200
    for who in ("assistant", "coordinator", "auditor"):
        assert client_for(pay_staff[who]).get(reverse("oversight:alerts")).status_code == 404
    response = client.post(
        reverse("oversight:alert_act", args=[alert.pk]), {"action": "assign", "handler": "x"}
    )
    assert response.status_code == 302 and Alert.objects.get(pk=alert.pk).handler is None


@pytest.mark.django_db
def test_relatives_page_declares_by_id_number(pay_staff, dong_e_village):
    admin, assistant = pay_staff["admin"], pay_staff["assistant"]
    household = make_household(admin, dong_e_village, "吴奶奶")
    relative = factories.head_of(household)
    client = client_for(assistant)
    url = reverse("oversight:relatives")
    refused = client.post(url, {"id_number": "110101199001011234", "relation": "父母"})
    assert refused.status_code == 302 and not RelativeDeclaration.objects.exists()
    assert "未找到该人员，请核对身份证号。" in client.get(url).content.decode()
    client.post(url, {"id_number": relative.id_number, "relation": "父母"})
    declaration = RelativeDeclaration.objects.get()
    assert (declaration.staff, declaration.person, declaration.relation) == (
        assistant,
        relative,
        "父母",
    )
    page = client.get(url).content.decode()
    assert "吴奶奶" in page and relative.id_number not in page  # masked on the page
    assert "吴奶奶" not in client_for(pay_staff["approver"]).get(url).content.decode()


@pytest.mark.django_db
def test_the_scan_runs_as_a_background_task(county_recipients, county_supervisor, pay_staff):
    client = client_for(county_supervisor)
    response = client.post(reverse("oversight:alert_scan"))
    assert response.status_code == 302 and "?task=" in response.url
    page = client.get(response.url).content.decode()
    assert "风险筛查完成，新增预警 2 条。" in page
    assert Alert.objects.count() == 2
    assert client_for(pay_staff["admin"]).post(reverse("oversight:alert_scan")).status_code == 404
    with pytest.raises(PermissionError):
        risk.start_scan(pay_staff["admin"])
