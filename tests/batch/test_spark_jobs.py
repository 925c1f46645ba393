"""The entitlement job and payroll preparation give the same rows on Spark as on one
machine: the single-machine job's stored rows, and the same snapshot computed in-process.
Entitlements over a demo county; the payroll over recipients made for its edge cases."""

import datetime as dt

import pyarrow as pa
import pytest
from django.db import connection

from jiuzhu.batch.engine import spark_available
from jiuzhu.batch.spark import session
from jiuzhu.payments import payroll as pr
from jiuzhu.payments import services
from jiuzhu.payments import spark as payments_spark
from jiuzhu.payments.jobs import prepare_towns
from jiuzhu.payments.models import Reason
from jiuzhu.policy import formulas as f
from jiuzhu.policy import spark as policy_spark
from jiuzhu.policy.batch import run_entitlements
from jiuzhu.policy.models import EntitlementResult
from jiuzhu.policy.parameters import ParameterSet
from tests.demo.helpers import run_demo
from tests.payments.conftest import MONTH as PAY_MONTH
from tests.payments.conftest import give_account, make_household, make_recipient

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not spark_available(), reason="Java or pyspark missing"),
]

MONTH = dt.date(2026, 7, 1)  # the demo county's next month


@pytest.fixture(scope="module")
def spark():
    spark = session("jiuzhu-tests", "local[2]", shuffle_partitions=2)
    yield spark
    spark.stop()


def _rows(table: pa.Table) -> list[tuple]:
    return sorted(tuple(row.values()) for row in table.to_pylist())


def test_entitlements_on_spark_equal_the_single_machine_run(spark, tmp_path):
    run_demo(150, 7)
    snapshot = policy_spark.take_snapshot(tmp_path / "entitlements")
    run = run_entitlements(MONTH)
    expected = sorted(
        EntitlementResult.objects.filter(run=run).values_list(*policy_spark.RESULT_SCHEMA.names)
    )
    params = f.Params.from_set(ParameterSet.load(MONTH))
    frame = policy_spark.spark_entitlements(spark, snapshot, MONTH, params, partitions=4)
    assert _rows(frame.toArrow()) == expected
    on_one_machine = policy_spark.entitlements(policy_spark.read_snapshot(snapshot), MONTH, params)
    assert _rows(on_one_machine) == expected
    assert {row[1] for row in expected} == {"dibao", "tekun", "disability", "elderly"}
    assert len(expected) == 168


def _approved(staff, town, month):
    payroll = services.prepare_payroll(staff["assistant"], month, town)
    services.check_payroll(staff["approver"], payroll)
    return services.approve_payroll(staff["approver"], payroll)


def test_payroll_lines_on_spark_equal_the_prepared_payrolls(
    spark, tmp_path, pay_staff, dong_e, dong_e_village, meigui_village
):
    admin = pay_staff["admin"]
    paid = make_household(admin, dong_e_village, "老户")
    make_recipient(admin, paid, "300.00")
    give_account(admin, paid)
    claimed = make_household(admin, dong_e_village, "追回户")
    make_recipient(admin, claimed, "100.00")
    services.create_claim(
        pay_staff["assistant"],
        claimed,
        "dibao",
        dt.date(2026, 5, 1),
        dt.date(2026, 6, 1),
        30000,
        15000,
        "成员死亡未及时报告",
    )
    cases = {
        "月中起": {"start": dt.date(2026, 12, 10)},
        "月中止": {"end": dt.date(2026, 12, 20)},
        "渐退": {"status": "phase_out", "phase_out_until": dt.date(2027, 2, 1)},
        "期满": {"status": "phase_out", "phase_out_until": dt.date(2026, 11, 1)},
        "暂停": {"status": "suspended"},
    }
    for name, fields in cases.items():
        make_recipient(admin, make_household(admin, dong_e_village, name), "400.00", **fields)
    _approved(pay_staff, dong_e, dt.date(2026, 11, 1))
    # Decided after November's payroll with payments due from October: back pay.
    make_recipient(
        admin, make_household(admin, dong_e_village, "迟到"), "450.00", start=dt.date(2026, 10, 1)
    )
    elderly = make_household(admin, meigui_village, "玫瑰户")
    make_recipient(admin, elderly, "520.00", programme="elderly")
    make_recipient(admin, elderly, "310.00")
    snapshot = payments_spark.take_snapshot(PAY_MONTH, tmp_path / "payroll")
    prepare_towns(admin, PAY_MONTH)
    # As stored: the ID and account numbers stay sealed (the fields open them on reading).
    names = ", ".join(f"l.{name}" for name in payments_spark.LINE_SCHEMA.names[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.town_id, {names} FROM payments_payrollline l "
            "JOIN payments_payroll p ON p.id = l.payroll_id WHERE p.month = %s",
            [PAY_MONTH],
        )
        stored = cursor.fetchall()
    expected = sorted(
        tuple(
            dt.date.fromisoformat(v) if i == 2 and isinstance(v, str) else bool(v) if i == 8 else v
            for i, v in enumerate(row)
        )
        for row in stored
    )
    rules, arrears = pr.Rules.load(PAY_MONTH), payments_spark.arrears_rules(snapshot)
    frame = payments_spark.spark_lines(spark, snapshot, PAY_MONTH, rules, arrears, partitions=3)
    assert _rows(frame.toArrow()) == expected
    groups = payments_spark.read_snapshot(snapshot)
    assert _rows(payments_spark.lines(groups, PAY_MONTH, rules, arrears)) == expected
    # The cases are all there: two towns, arrears, pro-rata, phase-out (its first months pay
    # in full), a recovery, paid with and without an account; none for the ended or suspended.
    by_name = {}
    for row in expected:
        by_name.setdefault(row[17], []).append(
            (row[1], row[9], row[11], row[12], row[19] is not None)
        )
    assert by_name == {
        "迟到": [
            ("arrears", Reason.ARREARS, 45000, 0, False),
            ("regular", Reason.DECIDED, 45000, 0, False),
        ],
        "老户": [("regular", Reason.DECIDED, 30000, 0, True)],
        "追回户": [("regular", Reason.DECIDED, 10000, 10000, False)],
        "月中起": [("regular", Reason.FIRST_PRORATA, 28387, 0, False)],
        "月中止": [("regular", Reason.LAST_PRORATA, 24516, 0, False)],
        "渐退": [("regular", Reason.DECIDED, 40000, 0, False)],
        "玫瑰户": [
            ("regular", Reason.DECIDED, 52000, 0, False),
            ("regular", Reason.DECIDED, 31000, 0, False),
        ],
    }
    assert len({row[0] for row in expected}) == 2  # two towns
