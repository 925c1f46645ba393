"""Reads of the public pages: the offices, and the standards' history from the parameters."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from jiuzhu.core.models import RegionLevel
from jiuzhu.core.money import to_fen
from jiuzhu.policy.accessors import PublicStandards
from jiuzhu.policy.selectors import histories
from jiuzhu.publicity.models import Office


def offices() -> QuerySet[Office]:
    """The county bureau first, then the towns' windows in code order."""
    return Office.objects.select_related("region").order_by("region_code")


def hotline() -> Office | None:
    """The county bureau's office: its telephone is the assistance hotline."""
    return offices().filter(region__level=RegionLevel.COUNTY).first()


@dataclass
class StandardHistory:
    label: str
    unit: str
    # (from, fen, state), newest first; state: "future", "current" (in force) or "past".
    entries: list[tuple[dt.date, int, str]]


def standards_history(today: dt.date) -> list[StandardHistory]:
    """Each public money standard: every value it has had, from when, and the one in force."""
    wanted = PublicStandards.standard_keys()
    out = []
    for history in histories(today, standards_only=False):
        if history.key not in wanted or not history.rows:
            continue
        current = history.current.pk if history.current is not None else None
        entries = [
            (
                row.effective_from,
                to_fen(row.value),
                "current"
                if row.pk == current
                else "future"
                if row.effective_from > today
                else "past",
            )
            for row in reversed(history.rows)
        ]
        out.append(StandardHistory(history.spec.label, history.spec.unit, entries))
    return out
