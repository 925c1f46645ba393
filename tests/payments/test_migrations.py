"""Migration 0005 renumbers the lines already written, and everything that refers to them."""

import datetime as dt
import os

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from jiuzhu.payments.models import line_id
from tests.payments.conftest import make_household

BEFORE = ("payments", "0004_month_first_line_index")
AFTER = ("payments", "0005_line_id_from_payroll_and_number")
MONTH = dt.date(2026, 11, 1)


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.skipif(
    os.environ.get("JIUZHU_TEST_PARTITIONED") == "1",
    reason="the old migrations rebuild the lines' key, which partitioning by it forbids",
)
@pytest.mark.django_db(transaction=True)
def test_line_ids_are_renumbered_with_their_references(county_admin, dong_e_village, dong_e):
    hh = make_household(county_admin, dong_e_village)
    old = _migrate(BEFORE)
    try:
        models = {
            n: old.get_model("payments", n)
            for n in ("Payroll", "PayrollLine", "LineResult", "RecoveryClaim", "Repayment")
        }
        common = {"town_id": dong_e.pk, "town_code": dong_e.code, "status": "prepared"}
        common |= {"prepared_by_id": county_admin.pk, "prepared_at": timezone.now()}
        payroll = models["Payroll"].objects.create(kind="regular", month=MONTH, **common)
        reissue = models["Payroll"].objects.create(kind="reissue", month=MONTH, **common)
        snapshot = {
            "kind": "regular",
            "for_month": MONTH,
            "recipient_id": 1,
            "household_id": hh.pk,
            "payee_id": 1,
            "programme": "dibao",
            "region_code": dong_e_village.code,
            "reason": 0,
            "amount_fen": 100,
            "net_fen": 100,
            "payee_name": "王老汉",
            "id_number": "",
        }
        Line = models["PayrollLine"]
        first = Line.objects.create(payroll_id=payroll.pk, line_no=1, **snapshot)
        failed = Line.objects.create(payroll_id=payroll.pk, line_no=2, **snapshot)
        again = Line.objects.create(
            payroll_id=reissue.pk, line_no=1, origin_line_id=failed.pk, **snapshot
        )
        models["LineResult"].objects.create(line_id=failed.pk, status="failed", reissued_in=reissue)
        claim = models["RecoveryClaim"].objects.create(
            household_id=hh.pk,
            programme="dibao",
            region_code=dong_e_village.code,
            from_month=MONTH,
            to_month=MONTH,
            amount_fen=50,
            instalment_fen=50,
            reason="死亡未报",
            created_by_id=county_admin.pk,
        )
        models["Repayment"].objects.create(
            claim=claim,
            kind="netted",
            amount_fen=50,
            line_id=first.pk,
            on=MONTH,
            recorded_by_id=county_admin.pk,
        )

        new = _migrate(AFTER)
        Line = new.get_model("payments", "PayrollLine")
        ids = sorted(Line.objects.values_list("payroll_id", "line_no", "pk"))
        assert ids == [
            (payroll.pk, 1, line_id(payroll.pk, 1)),
            (payroll.pk, 2, line_id(payroll.pk, 2)),
            (reissue.pk, 1, line_id(reissue.pk, 1)),
        ]
        assert Line.objects.get(pk=line_id(reissue.pk, 1)).origin_line_id == line_id(payroll.pk, 2)
        result = new.get_model("payments", "LineResult").objects.get()
        assert result.line_id == line_id(payroll.pk, 2)
        repayment = new.get_model("payments", "Repayment").objects.get()
        assert repayment.line_id == line_id(payroll.pk, 1)
        # The guards still hold: a payroll with lines stays, a locked payroll's lines stay.
        delete_payroll = "DELETE FROM payments_payroll WHERE id = %s"
        lock = "UPDATE payments_payroll SET locked = %s WHERE id = %s"
        change_line = "UPDATE payments_payrollline SET net_fen = 1 WHERE id = %s"
        with transaction.atomic(), connection.cursor() as cursor:
            with pytest.raises(DatabaseError), transaction.atomic():
                cursor.execute(delete_payroll, [reissue.pk])
            cursor.execute(lock, [True, payroll.pk])
            with pytest.raises(DatabaseError), transaction.atomic():
                cursor.execute(change_line, [line_id(payroll.pk, 1)])
            transaction.set_rollback(True)  # unlocked again, so that the test can clean up
        assert again.pk != line_id(reissue.pk, 1)  # the old id: renumbered in place
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("payments")[0])
        with connection.cursor() as cursor:
            for table in ("lineresult", "repayment", "recoveryclaim", "payrollline", "payroll"):
                cursor.execute(f"DELETE FROM payments_{table}")


@pytest.mark.django_db(transaction=True)
def test_existing_lines_get_their_household_first_mark(county_admin, dong_e_village, dong_e):
    hh = make_household(county_admin, dong_e_village)
    old = _migrate(("payments", "0008_payroll_line_members"))
    try:
        common = {"town_id": dong_e.pk, "town_code": dong_e.code, "status": "prepared"}
        common |= {"prepared_by_id": county_admin.pk, "prepared_at": timezone.now()}
        payroll = old.get_model("payments", "Payroll").objects.create(
            kind="regular", month=MONTH, **common
        )
        snapshot = {
            "for_month": MONTH,
            "payee_id": 1,
            "region_code": dong_e_village.code,
            "reason": 0,
            "amount_fen": 100,
            "net_fen": 100,
            "payee_name": "王老汉",
            "id_number": "",
        }
        rows = [  # (kind, recipient, household, programme)
            ("regular", 1, hh.pk, "dibao"),
            ("regular", 2, hh.pk, "dibao"),  # the spouse's own: same household
            ("regular", 3, hh.pk, "tekun"),
            ("arrears", 1, hh.pk + 1, "dibao"),
            ("regular", 4, hh.pk + 1, "dibao"),
        ]
        Line = old.get_model("payments", "PayrollLine")
        for no, (kind, recipient, household, programme) in enumerate(rows, start=1):
            Line.objects.create(
                id=line_id(payroll.pk, no),
                payroll_id=payroll.pk,
                line_no=no,
                kind=kind,
                recipient_id=recipient,
                household_id=household,
                programme=programme,
                **snapshot,
            )
        new = _migrate(("payments", "0010_payroll_line_household_first"))
        marked = new.get_model("payments", "PayrollLine").objects.order_by("line_no")
        assert list(marked.values_list("household_first", flat=True)) == [
            True,
            False,
            True,
            False,
            True,
        ]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("payments")[0])
        with connection.cursor() as cursor:
            for table in ("payrollline", "payroll"):
                cursor.execute(f"DELETE FROM payments_{table}")
