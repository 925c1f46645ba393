"""Bank account numbers and the payee snapshot's ID and account numbers sealed at rest
(core/crypto.py), in chunks; the lines of locked payrolls too, with their update guard
lifted inside the transaction (sealing changes how a line is stored, not what it says).

The lines table is widened in place on PostgreSQL only: SQLite does not enforce lengths,
and altering the column there would rebuild the table and drop its guard triggers."""

from typing import Any

from django.db import migrations

import jiuzhu.core.crypto
from jiuzhu.core.crypto import SealedColumn, decrypt_many, reseal_chunk, sealed_length
from jiuzhu.payments.payroll.guard import update_guard_lifted

ACCOUNTS = SealedColumn("payments_bankaccount", "account_number")
LINE_COLUMNS = {"id_number": 18, "account_number": 32}
LINES = [SealedColumn("payments_payrollline", column) for column in LINE_COLUMNS]
CHUNK = 5000


def _reseal_all(cursor: Any, sealed: SealedColumn) -> None:
    last, rows = reseal_chunk(cursor, sealed, 0, CHUNK)
    while rows:
        last, rows = reseal_chunk(cursor, sealed, last, CHUNK)


def seal(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        _reseal_all(cursor, ACCOUNTS)
        with update_guard_lifted(cursor):
            for sealed in LINES:
                _reseal_all(cursor, sealed)


def unseal(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor, update_guard_lifted(cursor):
        for sealed in [ACCOUNTS, *LINES]:
            cursor.execute(f"SELECT id, {sealed.column} FROM {sealed.table}")
            rows = cursor.fetchall()
            plain = decrypt_many(value for _, value in rows)
            cursor.executemany(
                f"UPDATE {sealed.table} SET {sealed.column} = %s WHERE id = %s",
                list(zip(plain, (row_id for row_id, _ in rows), strict=True)),
            )


def _widen_lines(lengths: dict[str, int]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for column, length in lengths.items():
            schema_editor.execute(
                f"ALTER TABLE payments_payrollline ALTER COLUMN {column} TYPE varchar({length})"
            )

    return run


SEALED_LENGTHS = {column: sealed_length(plain) for column, plain in LINE_COLUMNS.items()}


class Migration(migrations.Migration):
    dependencies = [("payments", "0006_account_change_review")]

    operations = [
        migrations.AlterField(
            model_name="bankaccount",
            name="account_number",
            field=jiuzhu.core.crypto.EncryptedCharField(plain_max_length=32, verbose_name="账号"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="payrollline",
                    name="id_number",
                    field=jiuzhu.core.crypto.EncryptedCharField(plain_max_length=18),
                ),
                migrations.AlterField(
                    model_name="payrollline",
                    name="account_number",
                    field=jiuzhu.core.crypto.EncryptedCharField(blank=True, plain_max_length=32),
                ),
            ],
            database_operations=[
                migrations.RunPython(_widen_lines(SEALED_LENGTHS), _widen_lines(LINE_COLUMNS)),
            ],
        ),
        migrations.RunPython(seal, unseal, elidable=False),
    ]
