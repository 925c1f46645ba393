"""The official working-day calendar: CN holidays and weekend make-up working days (调休)
from the `holidays` package, corrected by the overrides an administrator enters when the
State Council announces a new year. Every deadline of the platform is computed here."""

import datetime as dt
from functools import lru_cache

import holidays

from jiuzhu.core.models import WorkingDayOverride

ONE_DAY = dt.timedelta(days=1)


@lru_cache(maxsize=64)
def _official(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=year)


def _overrides() -> dict[dt.date, bool]:
    return dict(WorkingDayOverride.objects.values_list("date", "is_working_day"))


class Calendar:
    """Working days with a fixed set of overrides (one query per calendar, not per day)."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None):
        self.overrides = _overrides() if overrides is None else overrides

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return bool(_official(day.year).is_working_day(day))

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (start itself not counted); n >= 0."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        while n:
            day += ONE_DAY
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]: days elapsed since `start`, as deadlines count them."""
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = 0
        day = start + ONE_DAY
        while day <= end:
            count += self.is_working_day(day)
            day += ONE_DAY
        return sign * count


def is_working_day(day: dt.date) -> bool:
    return Calendar().is_working_day(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    return Calendar().add_working_days(start, n)


def working_days_between(start: dt.date, end: dt.date) -> int:
    return Calendar().working_days_between(start, end)
