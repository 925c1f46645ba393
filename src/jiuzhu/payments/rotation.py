"""Key rotation: every sealed column (core/crypto.py) sealed again under the current key.

It lives here, above every app that stores sealed values, because the payroll lines of
locked payrolls are guarded against change and only payments may lift that guard. Each
chunk commits on its own, so a rotation stopped half-way is resumed by running it again:
it picks only the rows not yet under the current key. Digests stay as they are (the
search key is not rotated; see core/crypto.py).
"""

import contextlib
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import connection, transaction

from jiuzhu.core.crypto import EncryptedCharField, SealedColumn, reseal_chunk, stale_condition
from jiuzhu.payments.models import PayrollLine
from jiuzhu.payments.payroll.guard import update_guard_lifted

CHUNK = 5000


def sealed_columns() -> list[SealedColumn]:
    """Every column of every model that holds sealed values."""
    return [
        SealedColumn(model._meta.db_table, str(field.column))
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedCharField)
    ]


def stale_rows(sealed: SealedColumn) -> int:
    """Rows of the column not sealed under the current key."""
    with connection.cursor() as cursor:
        stale = stale_condition(sealed.column)
        cursor.execute(f"SELECT COUNT(*) FROM {sealed.table} WHERE {stale}", [])
        return int(cursor.fetchone()[0])


def rotate(sealed: SealedColumn, on_rows: Callable[[int], Any], chunk_size: int = CHUNK) -> None:
    """Seal the column's stale rows under the current key, one transaction per chunk;
    `on_rows` hears how many rows each chunk did."""
    lines = sealed.table == PayrollLine._meta.db_table
    last = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            guard = update_guard_lifted(cursor) if lines else contextlib.nullcontext()
            with guard:
                last, rows = reseal_chunk(cursor, sealed, last, chunk_size)
        if not rows:
            return
        on_rows(rows)
