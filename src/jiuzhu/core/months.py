"""Calendar months, the unit in which benefits are decided and paid.

A month is represented by the date of its first day. Column versions work on dates written
as YYYYMMDD integers, which is how the batch jobs read them from the database.
"""

import datetime as dt
import re

import numpy as np
import numpy.typing as npt
from django.utils import timezone

from jiuzhu.core.errors import DomainError

I64 = npt.NDArray[np.int64]
_MONTH_TEXT = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-\d{1,2})?\s*$")


def long_date(day: dt.date) -> str:
    """A date as pages and messages write it: 2026年1月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def long_moment(moment: dt.datetime) -> str:
    """A point in time as pages and messages write it, in local time: 2026年1月5日 14:30."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{long_date(local)} {local:%H:%M}"


def long_month(month: dt.date) -> str:
    """A month as pages and messages write it: 2026年1月."""
    return f"{month.year}年{month.month}月"


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) the month of `day`."""
    index = day.month - 1 + months
    return dt.date(day.year + index // 12, index % 12 + 1, 1)


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same moment `years` calendar years earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def first_of_next_month(day: dt.date) -> dt.date:
    return add_months(day, 1)


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from the month of `start` to the month of `end`."""
    return (end.year - start.year) * 12 + end.month - start.month


def days_in_month(month: dt.date) -> int:
    return (add_months(month, 1) - first_of_month(month)).days


def parse_month(text: str, field: str = "month") -> dt.date:
    """ "2026-12" (or a full date) as typed → the first day of that month."""
    found = _MONTH_TEXT.match(text or "")
    if found is None or not 1 <= int(found.group(2)) <= 12:
        raise DomainError("月份格式应为 YYYY-MM，例如 2026-12。", field=field)
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def ymd(day: dt.date) -> int:
    """A date as the YYYYMMDD integer the column jobs use."""
    return day.year * 10000 + day.month * 100 + day.day


def month_index(ymd_values: I64) -> I64:
    """YYYYMMDD → months since year 0, so that month arithmetic on columns is subtraction."""
    return (ymd_values // 10000) * 12 + (ymd_values // 100) % 100 - 1
