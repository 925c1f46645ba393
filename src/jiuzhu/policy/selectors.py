"""Reads of the policy app: parameter histories and the constraints they meet or break."""

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass

from django.db.models import Max, Q

from jiuzhu.policy.models import Parameter
from jiuzhu.policy.parameters import SPECS, InForce, Spec
from jiuzhu.policy.services import CARE, Constraint, constraints_for


@dataclass
class History:
    key: str
    spec: Spec
    rows: list[Parameter]
    current: Parameter | None


def histories(on: dt.date, standards_only: bool = False) -> list[History]:
    by_key: dict[str, list[Parameter]] = {}
    for row in Parameter.objects.select_related("created_by").order_by("key", "effective_from"):
        by_key.setdefault(row.key, []).append(row)
    out = []
    for key, spec in SPECS.items():
        if standards_only and not spec.standard:
            continue
        rows = by_key.get(key, [])
        current = None
        for row in rows:
            if row.effective_from <= on:
                current = row
        out.append(History(key, spec, rows, current))
    return out


@dataclass
class Breach:
    """A rule the standards in force break, from `since` until `until` (None: still broken)."""

    since: dt.date
    until: dt.date | None
    rule: str
    detail: str  # the figures on `since`
    remedy: str  # what the county must enter

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        return self.since <= last and (self.until is None or first < self.until)


# The keys whose values the constraints compare; a change of any of them, or of a rule, is a
# day on which a rule can start or stop being broken.
_CHECKED = (
    "dibao.standard.urban",
    "dibao.standard.rural",
    "tekun.basic.urban",
    "tekun.basic.rural",
    *(f"tekun.care.{level}" for level in CARE),
)


class _History:
    """The values the constraints read, loaded once: one query for the whole history."""

    def __init__(self) -> None:
        rows = Parameter.objects.filter(
            Q(key__in=_CHECKED) | Q(key__startswith="constraint.") | Q(key="minimum_wage")
        ).order_by("key", "effective_from")
        self.by_key: dict[str, list[InForce]] = {}
        for row in rows:
            self.by_key.setdefault(row.key, []).append(InForce.of(row))

    def at(self, key: str, on: dt.date) -> InForce | None:
        entries = self.by_key.get(key, [])
        found = bisect_right([entry.effective_from for entry in entries], on)
        return entries[found - 1] if found else None

    def check_days(self) -> list[dt.date]:
        days = set()
        for key, entries in self.by_key.items():
            for entry in entries:
                days.add(entry.effective_from)
                if key == "minimum_wage":  # care follows the previous year's minimum wage
                    days.add(dt.date(entry.effective_from.year + 1, 1, 1))
        return sorted(days)


def breaches() -> list[Breach]:
    """Every rule broken by the standards in force, since when and until when: a standard
    entered against a rule (the Jinan 2020 pair 740 : 494), and a rule that comes into force
    over standards already in force (1,114 : 884 after 2024-12-31, when they must be equal)."""
    open_: dict[str, Breach] = {}
    found: list[Breach] = []
    history = _History()
    for day in history.check_days():
        broken: dict[str, Constraint] = {}
        for key in _CHECKED:
            entry = history.at(key, day)
            if entry is None:
                continue
            for c in constraints_for(key, day, entry.value, history.at):
                if not c.ok:
                    broken[c.rule] = c
        # A breach ends when the rule holds again, or when new figures break it anew.
        for rule, breach in list(open_.items()):
            if rule not in broken or broken[rule].detail != breach.detail:
                breach.until = day
                del open_[rule]
        for rule, c in broken.items():
            if rule not in open_:
                open_[rule] = Breach(day, None, rule, c.detail, c.remedy)
                found.append(open_[rule])
    return sorted(found, key=lambda b: (b.since, b.rule))


def breaches_in_month(month: dt.date) -> list[Breach]:
    """The rules the standards in force during `month` break (the payroll's warning)."""
    first = month.replace(day=1)
    last = (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
    return [breach for breach in breaches() if breach.overlaps(first, last)]


@dataclass
class Due:
    label: str
    latest: dt.date
    years: str  # the years without a value, as pages write them


def standards_due(today: dt.date) -> list[Due]:
    """Standards whose latest value is from before this year: the county enters this year's
    (and the missing years') figures, e.g. Jinan's 2025 and 2026 standards, not yet found."""
    standards = [key for key, spec in SPECS.items() if spec.standard]
    rows = Parameter.objects.filter(key__in=standards).values("key")
    latest = dict(rows.annotate(day=Max("effective_from")).values_list("key", "day"))
    due = []
    for key, spec in SPECS.items():
        day = latest.get(key)
        if spec.standard and day is not None and day.year < today.year:
            first = day.year + 1
            years = f"{first}年" if first == today.year else f"{first}—{today.year}年"
            due.append(Due(spec.label, day, years))
    return due


def rules_for_a_period() -> list[Spec]:
    """Parameters tied to a period, each with its end or what the county must confirm."""
    return [spec for spec in SPECS.values() if spec.period]
