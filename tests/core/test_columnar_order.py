"""Columnar reads come back in the order asked for without a server-side sort: rows already
in order are kept as they are, others are sorted here, as ORDER BY would have put them."""

import numpy as np
import pytest

from jiuzhu.core.columnar import in_order, read_columns


def test_rows_in_order_need_no_permutation():
    household = np.array([1, 1, 2, 3, 3], dtype=np.int64)
    member = np.array([4, 9, 1, 2, 7], dtype=np.int64)
    assert in_order([household, member], (0, 1)) is None
    assert in_order([household], ()) is None


def test_rows_out_of_order_are_sorted_as_order_by_would():
    rng = np.random.default_rng(5)
    household = rng.integers(0, 50, 1000)
    member = rng.permutation(1000).astype(np.int64)
    permutation = in_order([household, member], (0, 1))
    assert permutation is not None
    pairs = list(zip(household[permutation].tolist(), member[permutation].tolist(), strict=True))
    assert pairs == sorted(zip(household.tolist(), member.tolist(), strict=True))
    # A tie on the major key is broken by the minor one.
    assert in_order([np.array([2, 2]), np.array([5, 3])], (0, 1)).tolist() == [1, 0]


@pytest.mark.django_db
def test_a_read_without_order_by_equals_the_read_with_it():
    sql = (
        "SELECT 3 AS k, 'c' AS name, 1 AS m UNION ALL SELECT 1, 'a', 2 "
        "UNION ALL SELECT 2, 'b', 2 UNION ALL SELECT 1, 'z', 1"
    )
    numbers, text = read_columns(
        "SELECT k, m, name FROM (" + sql + ") q", (), 2, ("name",), order=(0, 1)
    )
    assert [n.tolist() for n in numbers] == [[1, 1, 2, 3], [1, 2, 2, 1]]
    assert text.column("name").to_pylist() == ["z", "a", "b", "c"]
