"""Reads of the policy app: parameter histories and the constraints they meet or break."""

import datetime as dt
from dataclasses import dataclass

from jiuzhu.policy.models import Parameter
from jiuzhu.policy.parameters import SPECS, Spec, entry_at, parse
from jiuzhu.policy.services import constraints_for


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
class Warning:
    on: dt.date
    rule: str
    detail: str


def history_warnings() -> list[Warning]:
    """Past values that break a rule in force on their date (e.g. Jinan 2020: 740 : 494)."""
    warnings: list[Warning] = []
    rows = Parameter.objects.filter(key__in=[k for k, s in SPECS.items() if s.standard])
    for row in rows.order_by("effective_from", "key"):
        for c in constraints_for(row.key, row.effective_from, parse(row.key, row.value)):
            if not c.ok:
                warnings.append(Warning(row.effective_from, c.rule, c.detail))
    # Rules that take effect later also bind the values still in force then.
    later = Parameter.objects.filter(key="constraint.urban_rural_max_ratio")
    for rule in later:
        for key in ("dibao.standard.urban", "tekun.basic.urban"):
            entry = entry_at(key, rule.effective_from)
            if entry is None or entry.effective_from == rule.effective_from:
                continue
            for c in constraints_for(key, rule.effective_from, entry.value):
                if not c.ok and "城乡" in c.rule:
                    warnings.append(Warning(rule.effective_from, c.rule, c.detail))
    seen: set[tuple[dt.date, str]] = set()
    unique = []
    for w in sorted(warnings, key=lambda w: (w.on, w.rule)):
        if (w.on, w.rule) not in seen:
            seen.add((w.on, w.rule))
            unique.append(w)
    return unique
