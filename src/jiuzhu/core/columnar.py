"""Reading SQL into columns, the same way on both databases.

Columnar jobs (the policy batch, the payroll, verification) read whole tables as numpy
and Arrow columns. The SQL comes from the owning app's `columnar` selectors, which know
their tables; this module only knows how to run it: PostgreSQL streams `COPY … TO STDOUT`
(binary for numbers only, read in place as fixed-width rows; CSV into Arrow's reader when
text columns come along), SQLite goes through the cursor. Every read runs in a batch
session (`batch_session`).
"""

import re
import select
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from queue import Empty, SimpleQueue
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection, transaction

I64 = npt.NDArray[np.int64]

# Memory for each sort or hash of a batch query, so that the registry's joins and
# aggregates stay in memory (the default 4 MB sent a million households' sort to disk).
BATCH_WORK_MEM = "256MB"
# Parallel workers a batch query may use (PostgreSQL's default; the pages use none, settings).
BATCH_WORKERS = 2


@contextmanager
def batch_session() -> Iterator[None]:
    """A transaction set for a batch on PostgreSQL: no JIT (a batch query runs once, and
    compiling its expressions cost more than it saved), BATCH_WORK_MEM, and parallel plans
    whenever the server has workers (their setup costs milliseconds against seconds of a
    whole county's joins: the payroll's five-table read at 1M recipients takes 5.0 s
    instead of 5.8 s; rows may then come in another order, which read_columns' `order`
    puts right). SET LOCAL: the settings end with the transaction (an outer one, if the
    caller is inside one)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
                cursor.execute(f"SET LOCAL work_mem = '{BATCH_WORK_MEM}'")
                cursor.execute(f"SET LOCAL max_parallel_workers_per_gather = {BATCH_WORKERS}")
                cursor.execute("SET LOCAL parallel_setup_cost = 0")
                cursor.execute("SET LOCAL parallel_tuple_cost = 0")
        yield


def date_int(column: str) -> str:
    """SQL turning a date column into YYYYMMDD as an integer (0 where the date is null)."""
    if connection.vendor == "postgresql":
        return f"COALESCE(CAST(to_char({column}, 'YYYYMMDD') AS BIGINT), 0)"
    return f"COALESCE(CAST(replace({column}, '-', '') AS INTEGER), 0)"


def date_days(column: str) -> str:
    """SQL turning a date column into days since 1970-01-01 (0 where null): a subtraction,
    several times cheaper for the server than `date_int`'s formatting; `ymd_of_days` turns
    the column into YYYYMMDD after the read."""
    if connection.vendor == "postgresql":
        return f"COALESCE({column} - DATE '1970-01-01', 0)"
    return f"COALESCE(CAST(julianday({column}) - 2440587.5 AS INTEGER), 0)"


def ymd_of_days(days: I64) -> I64:
    """Days since 1970-01-01 → YYYYMMDD integers, as `date_int` gives them."""
    if len(days) == 0:
        return days.astype(np.int64)
    low, high = int(days.min()), int(days.max())
    if high - low < len(days):
        # Millions of birth dates fall on some tens of thousands of days: convert each day
        # once and look the rows up (a tenth of the time of converting every row).
        return _ymd(np.arange(low, high + 1, dtype=np.int64))[days - low]
    return _ymd(days)


def _ymd(days: I64) -> I64:
    day = days.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    year = month.astype("datetime64[Y]").astype(np.int64) + 1970
    month_of_year = month.astype(np.int64) % 12 + 1
    return year * 10000 + month_of_year * 100 + (day - month).astype(np.int64) + 1


def codes(column: str, values: Mapping[str, int] | Sequence[str], default: int) -> str:
    """SQL turning a text column into small integer codes: a mapping gives each value its
    code, a sequence codes each value by its position; anything else becomes `default`."""
    pairs = values.items() if isinstance(values, Mapping) else enumerate_codes(values)
    whens = " ".join(f"WHEN '{value}' THEN {code}" for value, code in pairs)
    return f"CASE {column} {whens} ELSE {default} END"


def enumerate_codes(values: Sequence[str]) -> list[tuple[str, int]]:
    return [(value, code) for code, value in enumerate(values)]


def yuan_to_fen(expression: str) -> str:
    """SQL turning a decimal amount in yuan (or a sum of them) into whole fen."""
    return f"CAST(ROUND({expression} * 100) AS BIGINT)"


def in_order(numbers: list[I64], keys: Sequence[int]) -> I64 | None:
    """The rows' sorting permutation by the number columns `keys` (the first the major
    key), or None when they are in that order already: one pass to check, no sort."""
    if not keys or len(numbers[keys[0]]) < 2:
        return None
    before = np.zeros(len(numbers[keys[0]]) - 1, dtype=np.bool_)  # strictly before the next
    tied = ~before
    for key in keys:
        column = numbers[key]
        before |= tied & (column[:-1] < column[1:])
        tied &= column[:-1] == column[1:]
    if bool(np.all(before | tied)):
        return None
    return np.lexsort([numbers[key] for key in reversed(keys)]).astype(np.int64)


def read_columns(
    sql: str,
    params: Sequence[Any] = (),
    width: int = 0,
    text: tuple[str, ...] = (),
    order: tuple[int, ...] = (),
) -> tuple[list[I64], pa.Table]:
    """One query's columns: the first `width` as int64 numpy arrays, then the columns named
    in `text` as one Arrow table (int64 where the name ends in _id, strings otherwise).

    `order`: the number columns the rows are wanted in order of (e.g. household, then
    membership). The SQL says no ORDER BY: rows mostly come back in that order anyway (a
    scan of a table loaded in household order), which one pass here confirms; otherwise
    they are sorted here, never by the server (a million households' sort spilled to disk).
    """
    numbers, table = _read(sql, params, width, text)
    permutation = in_order(numbers, order)
    if permutation is not None:
        numbers = [column[permutation] for column in numbers]
        table = table.take(pa.array(permutation)) if table.num_columns else table
    return numbers, table


_BINARY_HEADER = 19  # signature (11), flags (4), header extension length (4, always 0)
_BINARY_TRAILER = 2  # the field count -1


def _binary_rows(width: int) -> np.dtype[Any]:
    """One row of a binary COPY of `width` non-null bigints: the field count, then each
    field's length (8) and value, big-endian, without padding."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for i in range(width):
        fields += [(f"length{i}", ">i4"), (f"value{i}", ">i8")]
    return np.dtype(fields)


def copy_out(sql: str) -> bytearray:
    """Everything a `COPY … TO STDOUT` sends, on Django's connection (in its transaction).

    The server sends one message per row and psycopg's Copy iterator spends about twice the
    client CPU per row of asking libpq for the rows directly (its generator and wait steps),
    which for the millions of rows of a batch read is seconds; so libpq is asked directly,
    for the rows already received, waiting in between without the GIL."""
    from psycopg import errors, pq  # PostgreSQL only

    def fail(result: pq.abc.PGresult | None) -> None:
        while pgconn.get_result() is not None:  # leave the connection ready
            pass
        if result is None:
            raise errors.OperationalError("the COPY ended without a result")
        raise errors.error_from_result(result)

    connection.ensure_connection()
    with connection.wrap_database_errors:  # raised as Django's database errors
        pgconn = connection.connection.pgconn
        pgconn.send_query(sql.encode())
        result = pgconn.get_result()
        if result is None or result.status != pq.ExecStatus.COPY_OUT:
            fail(result)
        buffer = bytearray()
        read, socket = pgconn.get_copy_data, pgconn.socket
        while True:
            size, row = read(1)  # a row received already, 0 if none yet, -1 at the end
            if size > 0:
                buffer += row
                continue
            if size < 0:
                break
            # Wait for the server outside libpq: its blocking read keeps the GIL, select
            # gives it up, so that another thread's read goes on meanwhile.
            select.select([socket], [], [])
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None or result.status != pq.ExecStatus.COMMAND_OK:
            fail(result)
        while pgconn.get_result() is not None:
            pass
    return buffer


def _read_binary_numbers(sql: str, width: int) -> list[I64]:
    """The query's `width` columns as bigints through a binary COPY, viewed in place as
    fixed-width rows (no parsing). Numbers-only queries never return null (COALESCE)."""
    names = ", ".join(f"c{i}" for i in range(width))
    casts = ", ".join(f"CAST(c{i} AS BIGINT)" for i in range(width))
    buffer = copy_out(f"COPY (SELECT {casts} FROM ({sql}) AS q({names})) TO STDOUT (FORMAT binary)")
    body = memoryview(buffer)[_BINARY_HEADER : len(buffer) - _BINARY_TRAILER]
    rows_type = _binary_rows(width)
    if len(body) % rows_type.itemsize:
        raise ValueError("a numbers-only columnar query returned a null")
    rows = np.frombuffer(body, dtype=rows_type)
    for i in range(width):
        if len(rows) and not bool(np.all(rows[f"length{i}"] == 8)):
            raise ValueError("a numbers-only columnar query returned a null")
    return [rows[f"value{i}"].astype(np.int64) for i in range(width)]


def _read(
    sql: str, params: Sequence[Any], width: int, text: tuple[str, ...]
) -> tuple[list[I64], pa.Table]:
    types = {f"c{i}": pa.int64() for i in range(width)}
    types.update({n: pa.int64() if n.endswith("_id") else pa.string() for n in text})
    names = list(types)
    with batch_session(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            bound = cursor.mogrify(sql, params) if params else sql
            if not text and width:
                return _read_binary_numbers(bound, width), pa.table({})
            csv = copy_out(f"COPY ({bound}) TO STDOUT WITH (FORMAT csv)")
            if not csv:
                table = pa.table({n: pa.array([], type=t) for n, t in types.items()})
            else:
                table = pacsv.read_csv(
                    pa.BufferReader(pa.py_buffer(csv)),
                    read_options=pacsv.ReadOptions(column_names=names),
                    convert_options=pacsv.ConvertOptions(column_types=types),
                )
        else:
            cursor.execute(sql, list(params))
            rows = cursor.fetchall()
            if not text:  # numbers only: numpy straight from the rows is the quick way
                grid = np.array(rows, dtype=np.int64).reshape(len(rows), width)
                return [grid[:, i] for i in range(width)], pa.table({})
            columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
            table = pa.table(
                {n: pa.array(c, type=types[n]) for n, c in zip(names, columns, strict=True)}
            )
    numbers = [
        table.column(i).to_numpy(zero_copy_only=False).astype(np.int64) for i in range(width)
    ]
    # One chunk per column: Arrow's take over a column in many chunks (the CSV reader's
    # blocks) joins them first, on every call, and callers take from it batch by batch.
    return numbers, table.select(list(text)).combine_chunks()


def read_numbers(
    sql: str, width: int, params: Sequence[Any] = (), order: tuple[int, ...] = ()
) -> list[I64]:
    """One query of integers: its `width` columns as int64 arrays (`order`: as read_columns)."""
    numbers, _ = read_columns(sql, params, width, order=order)
    return numbers


def positions(keys: I64, wanted: I64) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Where each of `wanted` is in the ascending, distinct `keys`, and whether it is there
    at all: the position of a key not found means nothing (the second array masks it)."""
    if len(keys) == 0:
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return at, keys[at] == wanted


@dataclass(frozen=True)
class ColumnsQuery:
    """One query of `read_together`: read_columns' arguments."""

    sql: str
    width: int
    text: tuple[str, ...] = ()
    order: tuple[int, ...] = ()
    params: Sequence[Any] = ()


_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")
Columns = tuple[list[I64], pa.Table]


def read_together(queries: Mapping[str, ColumnsQuery]) -> dict[str, Columns]:
    """Several read_columns of one consistent view of the database, by name.

    On PostgreSQL, called outside any transaction, two connections read at once: this one
    in a repeatable-read transaction whose snapshot a second connection (on a thread of its
    own) imports, so that both see the same rows. Each takes the next query from a queue,
    the largest first (the order given); the server's work for one goes on while the other's
    rows arrive. Inside a transaction, or on SQLite, they are read one after another: a
    second connection would not see what the caller's transaction has written.
    """

    def read(query: ColumnsQuery) -> Columns:
        return read_columns(query.sql, query.params, query.width, query.text, query.order)

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return {name: read(query) for name, query in queries.items()}
    pending: SimpleQueue[str] = SimpleQueue()
    for name in queries:
        pending.put(name)

    def drain() -> dict[str, Columns]:
        done: dict[str, Columns] = {}
        while True:
            try:
                name = pending.get_nowait()
            except Empty:
                return done
            done[name] = read(queries[name])

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        with ThreadPoolExecutor(1) as pool:
            second = pool.submit(_in_snapshot, snapshot, drain)
            results = drain()
            results.update(second.result())
    return {name: results[name] for name in queries}


def _in_snapshot(snapshot: str, work: Callable[[], dict[str, Columns]]) -> dict[str, Columns]:
    """work() on this thread's own connection, in the exported `snapshot`."""
    if not _SNAPSHOT_ID.fullmatch(snapshot):  # SET TRANSACTION SNAPSHOT takes no parameter
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            return work()
    finally:
        connection.close()  # the thread's own connection, not the caller's
