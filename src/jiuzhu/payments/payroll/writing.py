"""Writing the computed lines: one bulk insert straight into the lines table, with each
payee's snapshot, by binary COPY on PostgreSQL and one executemany on SQLite. The insert
guard is lifted for the load (see guard.py)."""

import datetime as dt
import itertools
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection
from psycopg.copy import QueuedLibpqWriter

from jiuzhu.cases.models import RepricingChange
from jiuzhu.core import pgcopy
from jiuzhu.payments.models import PayrollLine, Reason, line_id
from jiuzhu.payments.payroll.amounts import Lines
from jiuzhu.payments.payroll.codes import KINDS, PROGRAMMES, KindCode
from jiuzhu.payments.payroll.guard import insert_guard_lifted
from jiuzhu.payments.payroll.reading import DETAIL_COLUMNS, Recipients, StandardArrears

COPY_BATCH = 50_000
KIND_VALUES = np.array([kind.value for kind in KINDS], dtype=object)
PROGRAMME_VALUES = np.array(PROGRAMMES, dtype=object)


def household_first(lines: Lines) -> npt.NDArray[np.bool_]:
    """True on each household's first regular line in a programme (see the model)."""
    first = np.zeros(lines.n, dtype=bool)
    regular = np.flatnonzero(lines.kind == KindCode.REGULAR)
    key = lines.hid[regular] * len(PROGRAMMES) + lines.programme[regular]
    first[regular[np.unique(key, return_index=True)[1]]] = True
    return first


def line_batch(
    payroll_id: int,
    lines: Lines,
    recipients: Recipients,
    first_line_no: int,
    rows: slice,
    first: npt.NDArray[np.bool_],
) -> pa.RecordBatch:
    """The lines in `rows` as they are stored, with their payees' snapshot."""
    n = len(range(*rows.indices(lines.n)))
    details = recipients.details.take(pa.array(lines.row[rows]))
    account = details.column("account_id").to_numpy()
    institution = details.column("institution_id").to_numpy()
    line_no = np.arange(n, dtype=np.int64) + (first_line_no + (rows.start or 0))
    claim, origin = lines.claim[rows], lines.origin[rows]
    return pa.record_batch(
        {
            "id": pa.array(line_id(payroll_id, 0) + line_no),
            "payroll_id": pa.array(np.full(n, payroll_id, dtype=np.int64)),
            "line_no": pa.array(line_no),
            "kind": pa.array(KIND_VALUES[lines.kind[rows]]),
            "for_month": pa.array(lines.for_month[rows]),
            "recipient_id": pa.array(lines.rid[rows]),
            "household_id": pa.array(lines.hid[rows]),
            "payee_id": pa.array(lines.payee[rows]),
            "programme": pa.array(PROGRAMME_VALUES[lines.programme[rows]]),
            "members": pa.array(lines.members[rows]),
            "household_first": pa.array(first[rows]),
            "reason": pa.array(lines.reason[rows]),
            "share_permille": pa.array(lines.share[rows]),
            "amount_fen": pa.array(lines.amount[rows]),
            "recovery_fen": pa.array(lines.recovery[rows]),
            "net_fen": pa.array(lines.net[rows]),
            "recovery_claim_id": pa.array(claim, mask=claim == 0),
            "origin_line_id": pa.array(origin, mask=origin == 0),
            **{name: details.column(name).combine_chunks() for name in DETAIL_COLUMNS},
            "account_id": pa.array(account, mask=account == 0),
            "institution_id": pa.array(institution, mask=institution == 0),
        }
    )


def write_lines(
    payroll_id: int, lines: Lines, recipients: Recipients, first_line_no: int = 1
) -> int:
    """Bulk insert of the computed lines with their payees' snapshot, straight into the
    lines table: binary COPY on PostgreSQL, one executemany on SQLite."""
    if lines.n == 0:
        return 0
    with connection.cursor() as cursor, insert_guard_lifted(cursor, payroll_id):
        if connection.vendor == "postgresql":
            _copy_lines(cursor, payroll_id, lines, recipients, first_line_no)
        else:
            _insert_lines(payroll_id, lines, recipients, first_line_no)
    return lines.n


def _copy_lines(
    cursor: Any, payroll_id: int, lines: Lines, recipients: Recipients, first_line_no: int
) -> None:
    """PostgreSQL: binary COPY, each batch built, encoded and handed over while the server
    inserts the last."""
    households = household_first(lines)
    first = line_batch(
        payroll_id, lines, recipients, first_line_no, slice(0, COPY_BATCH), households
    )
    rest = (
        line_batch(
            payroll_id, lines, recipients, first_line_no, slice(at, at + COPY_BATCH), households
        )
        for at in range(COPY_BATCH, lines.n, COPY_BATCH)
    )
    types, nullable = pgcopy.model_columns(PayrollLine)
    columns, chunks = pgcopy.binary_copy(
        itertools.chain([first], rest),
        {name: types[name] for name in first.schema.names},
        nullable,
    )
    copy_sql = f"COPY payments_payrollline ({', '.join(columns)}) FROM STDIN (FORMAT binary)"
    # A writer thread feeds the server from a queue, so that encoding goes on while the
    # server inserts (the default writer waits for each chunk to be taken).
    writer = QueuedLibpqWriter(cursor.cursor)
    with connection.wrap_database_errors, cursor.cursor.copy(copy_sql, writer=writer) as copy:
        for chunk in chunks:
            copy.write(chunk)


def _insert_lines(
    payroll_id: int, lines: Lines, recipients: Recipients, first_line_no: int
) -> None:
    """SQLite: one executemany. A column with one value on every line (the payroll, mostly
    the kind and the month, no recovery) goes in as a literal: each bound value costs per
    line. The line id is always bound, so that even a single line is one row to insert."""
    table = pa.Table.from_batches(
        [
            line_batch(
                payroll_id,
                lines,
                recipients,
                first_line_no,
                slice(0, lines.n),
                household_first(lines),
            )
        ]
    )
    names, values, bound = [], [], []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if name != "id" and _one_value(column):
            names.append(name)
            values.append(_sql_literal(column[0].as_py()))
    for name, column in zip(table.column_names, table.columns, strict=True):
        if name not in names:
            names.append(name)
            values.append("?")
            bound.append(_python_values(column))
    # sqlite3's own executemany streams the rows (Django's wrapper would need a list).
    with connection.wrap_database_errors:
        connection.connection.executemany(
            f"INSERT INTO payments_payrollline ({', '.join(names)}) VALUES ({', '.join(values)})",
            zip(*bound, strict=True),
        )


def _one_value(column: pa.ChunkedArray) -> bool:
    if column.null_count:
        return bool(column.null_count == len(column))
    return bool(pc.all(pc.equal(column, column[0])).as_py())


def _sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"  # text, or a date as ISO text


def _python_values(column: pa.ChunkedArray) -> list[Any]:
    """A column as the Python values sqlite3 binds fastest: ints through numpy, dates as the
    ISO text Django stores (sqlite3's date adapter is a Python call per value)."""
    if pa.types.is_date32(column.type):
        return column.cast(pa.string()).to_pylist()
    if pa.types.is_int64(column.type) and column.null_count == 0:
        return column.to_numpy().tolist()
    return column.to_pylist()


def mark_standard_arrears_paid(standard: StandardArrears, lines: Lines, month: dt.date) -> None:
    """Mark the re-pricing arrears this payroll pays, so that no later payroll pays them."""
    paid = lines.rid[lines.reason == Reason.STANDARD_CHANGE]
    changes = standard.change[np.isin(standard.rid, paid)].tolist()
    for start in range(0, len(changes), 10_000):
        RepricingChange.objects.filter(pk__in=changes[start : start + 10_000]).update(
            arrears_paid_month=month
        )
