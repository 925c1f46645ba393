"""Working days for the demo's dates: back from today, decision dates, memoised."""

import bisect
import datetime as dt

from jiuzhu.core.workdays import Calendar
from jiuzhu.policy.accessors import Procedure
from jiuzhu.policy.models import Parameter
from jiuzhu.policy.parameters import ParameterSet


class Days:
    """Working days back from today and decision dates, memoised (a few hundred dates)."""

    def __init__(self, today: dt.date, ps_cache: dict[dt.date, int]):
        self.calendar = Calendar()
        self.today = today
        self.working_back: list[dt.date] = []
        self._due: dict[dt.date, dt.date] = {}
        self._limit = ps_cache
        # The parameters in force change only on their effective dates: one load per period.
        self._changes = sorted(set(Parameter.objects.values_list("effective_from", flat=True)))

    def back(self, n: int) -> dt.date:
        """The working day n working days before today (0: today, or the last working day)."""
        while len(self.working_back) <= n:
            day = self.working_back[-1] - dt.timedelta(days=1) if self.working_back else self.today
            while not self.calendar.is_working_day(day):
                day -= dt.timedelta(days=1)
            self.working_back.append(day)
        return self.working_back[n]

    def decision_days(self, accepted_on: dt.date) -> int:
        at = bisect.bisect_right(self._changes, accepted_on)
        period = self._changes[at - 1] if at else dt.date.min
        if period not in self._limit:
            ps = ParameterSet.load(accepted_on)
            self._limit[period] = Procedure.from_set(ps).decision_working_days
        return self._limit[period]

    def due(self, accepted_on: dt.date) -> dt.date:
        if accepted_on not in self._due:
            days = self.decision_days(accepted_on)
            self._due[accepted_on] = self.calendar.add_working_days(accepted_on, days)
        return self._due[accepted_on]


def working_on_or_before(calendar: Calendar, day: dt.date) -> dt.date:
    while not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def next_working(calendar: Calendar, day: dt.date) -> dt.date:
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day
