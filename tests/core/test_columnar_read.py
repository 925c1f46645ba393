"""Numbers-only reads (on PostgreSQL a binary COPY viewed in place) give the values the
query gives, on both databases: negatives, values past 32 bits, no rows."""

import pytest
from django.db import connection

from jiuzhu.core.columnar import read_numbers

pytestmark = pytest.mark.django_db

ROWS = (
    "SELECT 1 AS a, -5 AS b, 4000000000 AS c UNION ALL "
    "SELECT 2, 0, -9000000000000 UNION ALL SELECT 3, 7, 12"
)


def test_numbers_come_back_exactly_in_every_width():
    a, b, c = read_numbers(f"SELECT a, b, c FROM ({ROWS}) q", 3, order=(0,))
    assert (a.tolist(), b.tolist(), c.tolist()) == (
        [1, 2, 3],
        [-5, 0, 7],
        [4_000_000_000, -9_000_000_000_000, 12],
    )
    assert a.dtype.name == "int64"


def test_no_rows_give_empty_columns():
    a, b = read_numbers(f"SELECT a, b FROM ({ROWS}) q WHERE a > 10", 2)
    assert (len(a), len(b)) == (0, 0)


def test_a_parameterised_query_binds_its_values():
    (a,) = read_numbers(f"SELECT a FROM ({ROWS}) q WHERE b >= %s", 1, params=[0], order=(0,))
    assert a.tolist() == [2, 3]
    assert connection.vendor in {"sqlite", "postgresql"}
