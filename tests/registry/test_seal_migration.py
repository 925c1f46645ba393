"""Migration registry 0002 seals the ID numbers already stored and fills their digests;
payments 0007 seals the account numbers and the payee snapshots (locked payrolls' lines
go through the same guard lifting as rotation: tests/payments/test_sealed_numbers.py)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from jiuzhu.core import crypto

BEFORE = [("registry", "0001_initial"), ("payments", "0006_account_change_review")]
PLAIN_ID = "370124197005170159"
PLAIN_ACCOUNT = "6221000012345678"


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _row(table: str, columns: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table}")
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_stored_numbers_are_sealed_by_the_migrations(county_admin, dong_e_village, dong_e):
    old = _migrate(BEFORE)
    try:
        Person = old.get_model("registry", "Person")
        Household = old.get_model("registry", "Household")
        person = Person.objects.create(
            id_number=PLAIN_ID,
            id_suffix=PLAIN_ID[-4:],
            name="王老汉",
            sex="M",
            birth_date="1970-05-17",
            residence_region_id=dong_e_village.pk,
            hukou_type="rural",
        )
        household = Household.objects.create(
            number=f"{dong_e_village.code}00001",
            registered_region_id=dong_e_village.pk,
            residence_region_id=dong_e_village.pk,
            registered_code=dong_e_village.code,
            residence_code=dong_e_village.code,
            area_type="rural",
        )
        old.get_model("payments", "BankAccount").objects.create(
            household_id=household.pk,
            person_id=person.pk,
            bank="农商银行",
            account_number=PLAIN_ACCOUNT,
            holder_name="王老汉",
        )
        payroll = old.get_model("payments", "Payroll").objects.create(
            kind="regular",
            month="2026-11-01",
            town_id=dong_e.pk,
            town_code=dong_e.code,
            status="prepared",
            prepared_by_id=county_admin.pk,
            prepared_at=timezone.now(),
        )
        old.get_model("payments", "PayrollLine").objects.create(
            id=payroll.pk * 10_000_000 + 1,
            payroll_id=payroll.pk,
            line_no=1,
            kind="regular",
            for_month="2026-11-01",
            recipient_id=1,
            household_id=household.pk,
            payee_id=person.pk,
            programme="dibao",
            region_code=dong_e_village.code,
            reason=0,
            amount_fen=100,
            net_fen=100,
            payee_name="王老汉",
            id_number=PLAIN_ID,
            account_number=PLAIN_ACCOUNT,
        )
        _migrate(
            [
                MigrationExecutor(connection).loader.graph.leaf_nodes(app)[0]
                for app in ("registry", "payments")
            ]
        )

        sealed_id, digest = _row("registry_person", "id_number, id_digest")
        assert PLAIN_ID not in sealed_id and crypto.decrypt(sealed_id) == PLAIN_ID
        assert digest == crypto.digest(PLAIN_ID)
        (sealed_account,) = _row("payments_bankaccount", "account_number")
        assert crypto.decrypt(sealed_account) == PLAIN_ACCOUNT
        line_id, line_account = _row("payments_payrollline", "id_number, account_number")
        assert PLAIN_ID not in line_id and crypto.decrypt(line_id) == PLAIN_ID
        assert crypto.decrypt(line_account) == PLAIN_ACCOUNT
    finally:
        _migrate(
            [
                MigrationExecutor(connection).loader.graph.leaf_nodes(app)[0]
                for app in ("registry", "payments")
            ]
        )
        with connection.cursor() as cursor:
            for table in ("payments_payrollline", "payments_payroll", "payments_bankaccount"):
                cursor.execute(f"DELETE FROM {table}")
