"""Binary COPY encoding: what goes in comes back, NULLs, text and every width included."""

import datetime as dt

import pyarrow as pa
import pytest
from django.db import connection

from jiuzhu.core import pgcopy

pytestmark = pytest.mark.django_db


def test_refuses_a_type_it_does_not_encode():
    """Numeric only with two places, from integer hundredths."""
    with pytest.raises(ValueError, match="numeric"):
        pgcopy.binary_copy(pa.table({"x": [1]}).to_batches(), {"x": "numeric(10,3)"})


def test_refuses_null_where_none_was_declared():
    """A NULL in a column not declared nullable would go in as 0: refused instead."""
    _, chunks = pgcopy.binary_copy(pa.table({"x": [1, None]}).to_batches(), {"x": "bigint"})
    with pytest.raises(ValueError, match="NULL"):
        list(chunks)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="binary COPY is PostgreSQL's")
def test_round_trip_through_the_server():
    table = pa.table(
        {
            "big": pa.array([1, -2, 2**62, 0]),
            "small": pa.array([0, -32768, 32767, 5]),
            "int": pa.array([7, None, -(2**31), 2**31 - 1], type=pa.int64()),
            "day": pa.array(
                [dt.date(2026, 12, 1), dt.date(1999, 12, 31), None, dt.date(2000, 1, 1)]
            ),
            "name": pa.array(["张三", "", None, 'O\'Brien, "x"\n']),
            "code": pa.array(["370124102201", "1", "22", "333"]),
        }
    )
    types = {
        "big": "bigint",
        "small": "smallint",
        "int": "integer",
        "day": "date",
        "name": "varchar(40)",
        "code": "text",
    }
    columns, chunks = pgcopy.binary_copy(
        table.to_batches(max_chunksize=3), types, {"int", "day", "name"}
    )
    # Fixed-width columns without NULLs first, laid out together; the rest in their order.
    assert columns == ["big", "small", "int", "day", "name", "code"]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE copied (big bigint, small smallint, int integer, day date, "
            "name varchar(40), code text)"
        )
        with cursor.copy(f"COPY copied ({', '.join(columns)}) FROM STDIN (FORMAT binary)") as cp:
            for chunk in chunks:
                cp.write(chunk)
        cursor.execute("SELECT big, small, int, day, name, code FROM copied")
        rows = cursor.fetchall()
    assert rows == list(zip(*(table.column(n).to_pylist() for n in types), strict=True))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="binary COPY is PostgreSQL's")
def test_moments_round_trip_in_utc():
    moments = [
        dt.datetime(2026, 12, 1, 8, 30, 15, 123456, tzinfo=dt.UTC),
        dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
        None,
    ]
    table = pa.table(
        {
            "at": pa.array(moments, pa.timestamp("us", "UTC")),
            "stamped": pa.array(moments[:2] * 2, pa.timestamp("us", "UTC")).slice(0, 3),
        }
    )
    types = {"at": "timestamp with time zone", "stamped": "timestamp with time zone"}
    columns, chunks = pgcopy.binary_copy(table.to_batches(), types, {"at"})
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE moments (at timestamptz, stamped timestamptz)")
        with cursor.copy(f"COPY moments ({', '.join(columns)}) FROM STDIN (FORMAT binary)") as cp:
            for chunk in chunks:
                cp.write(chunk)
        cursor.execute("SELECT at, stamped FROM moments")
        assert cursor.fetchall() == list(zip(moments, moments[:2] * 2, strict=False))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="binary COPY is PostgreSQL's")
def test_money_in_fen_and_timestamps_round_trip():
    fen = [0, 5, 100, 12345, -250, 99_999_999_999_99]
    moment = dt.datetime(2026, 12, 1, 4, 5, 6, 789012, tzinfo=dt.UTC)
    table = pa.table(
        {
            "amount": pa.array(fen),
            "at": pa.array([moment] * len(fen), pa.timestamp("us", "UTC")),
        }
    )
    types = {"amount": "numeric(16, 2)", "at": pgcopy.TIMESTAMP}
    columns, chunks = pgcopy.binary_copy(table.to_batches(), types)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE paid (amount numeric(16, 2), at timestamptz)")
        with cursor.copy(f"COPY paid ({', '.join(columns)}) FROM STDIN (FORMAT binary)") as cp:
            for chunk in chunks:
                cp.write(chunk)
        cursor.execute("SELECT amount::text, at FROM paid")
        rows = cursor.fetchall()
    assert [amount for amount, _ in rows] == [
        "0.00", "0.05", "1.00", "123.45", "-2.50", "99999999999.99"
    ]  # fmt: skip
    assert {at for _, at in rows} == {moment}


def test_refuses_an_amount_beyond_its_digits():
    _, chunks = pgcopy.binary_copy(pa.table({"x": [10**14]}).to_batches(), {"x": "numeric(16, 2)"})
    with pytest.raises(ValueError, match="range"):
        list(chunks)
