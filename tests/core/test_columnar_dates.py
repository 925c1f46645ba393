"""Days since 1970 read by a columnar query, turned into YYYYMMDD as date_int gives them."""

import datetime as dt

import numpy as np

from jiuzhu.core.columnar import ymd_of_days

EPOCH = dt.date(1970, 1, 1)


def _expected(days: np.ndarray) -> list[int]:
    return [int((EPOCH + dt.timedelta(days=int(d))).strftime("%Y%m%d")) for d in days]


def test_many_rows_on_few_days_and_few_rows_far_apart_give_the_calendar_date():
    rng = np.random.default_rng(7)
    births = rng.integers(-25_000, 20_000, 60_000)  # 1901–2024: rows outnumber the days
    assert ymd_of_days(births).tolist() == _expected(births)
    apart = np.array([-719_162, -1, 0, 59, 11_016, 2_932_896], dtype=np.int64)  # 0001-01-01 …
    assert ymd_of_days(apart).tolist() == [10101, 19691231, 19700101, 19700301, 20000229, 99991231]
    assert ymd_of_days(np.array([], dtype=np.int64)).tolist() == []
