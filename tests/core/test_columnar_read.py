"""Numbers-only reads (on PostgreSQL a binary COPY viewed in place) give the values the
query gives, on both databases: negatives, values past 32 bits, no rows; several reads
together see one view of the database; positions join sorted keys."""

import numpy as np
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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_out_reads_the_rows_in_the_open_transaction_and_reports_a_failing_query():
    from django.db import DatabaseError, transaction

    from jiuzhu.core.columnar import copy_out, read_columns
    from jiuzhu.core.models import Region

    # Uncommitted rows of the caller's transaction are read (the test's transaction).
    Region.objects.create(code="371524999000", name="测试村", level="village")
    numbers, names = read_columns(
        "SELECT 7 AS n, name FROM core_region WHERE code = %s", ["371524999000"], 1, ("name",)
    )
    assert (numbers[0].tolist(), names.column("name").to_pylist()) == ([7], ["测试村"])
    assert copy_out("COPY (SELECT 1 WHERE false) TO STDOUT (FORMAT csv)") == b""
    with pytest.raises(DatabaseError, match="division by zero"), transaction.atomic():
        copy_out("COPY (SELECT 1 / (a - a) FROM (VALUES (1), (2)) v(a)) TO STDOUT")
    with pytest.raises(DatabaseError, match="syntax error"), transaction.atomic():
        copy_out("COPY (SELEC 1) TO STDOUT")
    # The connection is ready for the next statement.
    assert read_numbers("SELECT 41 + 1", 1)[0].tolist() == [42]


def test_reads_together_inside_a_transaction_see_its_uncommitted_rows():
    from jiuzhu.core.columnar import ColumnsQuery, read_together
    from jiuzhu.core.models import Region

    Region.objects.create(code="371524999000", name="测试村", level="village")
    mine = "SELECT count(*), max(name) FROM core_region WHERE code = %s"
    got = read_together(
        {
            "mine": ColumnsQuery(mine, 1, ("name",), params=["371524999000"]),
            "rows": ColumnsQuery(f"SELECT a, c FROM ({ROWS}) q", 2, order=(0,)),
        }
    )
    assert list(got) == ["mine", "rows"]
    numbers, names = got["mine"]
    assert (numbers[0].tolist(), names.column("name").to_pylist()) == ([1], ["测试村"])
    assert [column.tolist() for column in got["rows"][0]] == [
        [1, 2, 3],
        [4_000_000_000, -9_000_000_000_000, 12],
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the second connection is PostgreSQL's"
)
@pytest.mark.django_db(transaction=True)
def test_reads_together_on_two_connections_see_one_snapshot(monkeypatch):
    """Outside a transaction two connections read at once; a row committed by someone else
    once the reads have begun is seen by neither, whichever connection runs which query."""
    import threading

    import psycopg

    from jiuzhu.core import columnar
    from jiuzhu.core.models import Region

    Region.objects.create(code="371524999000", name="测试村", level="village")
    before = Region.objects.count()
    threads, once, second_reads = set(), threading.Lock(), threading.Event()
    main = threading.get_ident()
    read = columnar.read_columns

    def read_after_someone_commits(*args, **kwargs):
        threads.add(threading.get_ident())
        if threading.get_ident() == main:
            second_reads.wait(10)  # the second connection takes a query too
        else:
            second_reads.set()
        if once.acquire(blocking=False):
            settings = connection.settings_dict
            with psycopg.connect(
                host=settings["HOST"],
                port=settings["PORT"] or 5432,
                user=settings["USER"],
                dbname=settings["NAME"],
                autocommit=True,
            ) as other:
                other.execute(
                    "INSERT INTO core_region (code, name, level, is_urban) "
                    "VALUES ('371524998000', '后来的村', 'village', false)"
                )
        return read(*args, **kwargs)

    monkeypatch.setattr(columnar, "read_columns", read_after_someone_commits)
    count = columnar.ColumnsQuery("SELECT count(*) FROM core_region", 1)
    series = columnar.ColumnsQuery(
        "SELECT g, -g, 'n' || g AS label FROM generate_series(1, 200000) g", 2, ("label",), (0,)
    )
    got = columnar.read_together(
        {"series": series, "first": count, "second": count, "third": count}
    )
    assert [got[name][0][0].tolist() for name in ("first", "second", "third")] == [[before]] * 3
    numbers, labels = got["series"]
    assert numbers[0].tolist() == list(range(1, 200_001))
    assert numbers[1].tolist() == [-g for g in range(1, 200_001)]
    assert labels.column("label").to_pylist() == [f"n{g}" for g in range(1, 200_001)]
    assert len(threads) == 2  # both connections read
    assert Region.objects.count() == before + 1


def test_positions_find_each_wanted_key_and_say_which_are_missing():
    from jiuzhu.core.columnar import positions

    keys = np.array([3, 5, 9], dtype=np.int64)
    at, found = positions(keys, np.array([9, 0, 5, 10, 3, 4], dtype=np.int64))
    assert found.tolist() == [True, False, True, False, True, False]
    assert at[found].tolist() == [2, 1, 0]
    at, found = positions(np.array([], dtype=np.int64), np.array([1, 2], dtype=np.int64))
    assert (at.tolist(), found.tolist()) == ([0, 0], [False, False])
