"""Dated parameters: what each key means, and the value in force on a date.

Every number of the policy is a key with a history in the `Parameter` table (shipped from
the data files in policy/data/ by the data migrations, extended by county administrators).
Code asks `value_at(key, day)` or loads a whole `ParameterSet` for a month once and reads
many keys from it; apps read them through the typed accessors of `policy.accessors`.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jiuzhu.core.errors import DomainError
from jiuzhu.core.money import format_yuan, to_fen
from jiuzhu.policy.models import Parameter
from jiuzhu.policy.parameter_files import INT, LIST, MONEY, RATIO, TEXT, Spec, specs
from jiuzhu.registry.models import DisabilityCategory, IncomeCategory

__all__ = [
    "INT",
    "LIST",
    "MONEY",
    "RATIO",
    "SPECS",
    "TEXT",
    "InForce",
    "ParameterSet",
    "Spec",
    "entry_at",
    "label",
    "missing",
    "parse",
    "shown",
    "to_json",
    "value_at",
]

# What each key means comes from the data files (policy/data/*.toml), with its history.
SPECS: dict[str, Spec] = specs()


def parse(key: str, raw: Any) -> Any:
    """A stored JSON value as the kind its spec says (Decimal for money and ratios)."""
    spec = SPECS.get(key)
    kind = spec.kind if spec else TEXT
    if kind in (MONEY, RATIO):
        return Decimal(str(raw))
    if kind == INT:
        return int(raw)
    return raw


def to_json(key: str, value: Any) -> Any:
    spec = SPECS[key]
    if spec.kind == MONEY:
        return str(Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))
    if spec.kind == RATIO:
        return str(Decimal(str(value)))
    if spec.kind == INT:
        return int(value)
    return value


# The codes list parameters hold (income categories not counted, disability categories).
_CODE_LABELS = {**dict(IncomeCategory.choices), **dict(DisabilityCategory.choices)}


def shown(key: str, value: Any) -> str:
    """A parameter's value as a page shows it: money with separators, codes by name."""
    spec = SPECS.get(key)
    if spec is not None and spec.kind == MONEY:
        return format_yuan(Decimal(str(value)), fen=False)
    if isinstance(value, list):
        return "、".join(_item(item) for item in value)
    return str(value)


def _item(item: Any) -> str:
    if isinstance(item, list) and len(item) == 2:  # [disability category, highest grade]
        return f"{_CODE_LABELS.get(item[0], item[0])}{item[1]}级"
    return _CODE_LABELS.get(item, str(item)) if isinstance(item, str) else str(item)


def label(key: str) -> str:
    spec = SPECS.get(key)
    return spec.label if spec else key


@dataclass(frozen=True)
class InForce:
    key: str
    value: Any
    effective_from: dt.date
    source: str

    @classmethod
    def of(cls, row: Parameter) -> "InForce":
        return cls(row.key, parse(row.key, row.value), row.effective_from, row.source)

    @property
    def label(self) -> str:
        return label(self.key)

    @property
    def unit(self) -> str:
        spec = SPECS.get(self.key)
        return spec.unit if spec else ""


class ParameterSet:
    """Every parameter in force on one day, loaded with one query; records what was read."""

    def __init__(self, on: dt.date, rows: dict[str, InForce]):
        self.on = on
        self._rows = rows
        self.used: dict[str, InForce] = {}

    @classmethod
    def load(cls, on: dt.date, overrides: dict[str, Any] | None = None) -> "ParameterSet":
        latest: dict[str, tuple[str, Any, dt.date, str]] = {}
        in_force = Parameter.objects.filter(effective_from__lte=on).order_by(
            "key", "effective_from"
        )
        for row in in_force.values_list("key", "value", "effective_from", "source"):
            latest[row[0]] = row  # the latest row of a key wins; only it is parsed
        rows = {
            key: InForce(key, parse(key, value), day, source)
            for key, value, day, source in latest.values()
        }
        for key, value in (overrides or {}).items():
            rows[key] = InForce(key, parse(key, value), on, "模拟测算假设值")
        return cls(on, rows)

    def entry(self, key: str) -> InForce:
        found = self._rows.get(key)
        if found is None:
            raise missing(key, self.on)
        self.used[key] = found
        return found

    def __getitem__(self, key: str) -> Any:
        return self.entry(key).value

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._rows else default

    def __contains__(self, key: str) -> bool:
        return key in self._rows

    def fen(self, key: str) -> int:
        """A money parameter in integer fen."""
        return to_fen(self[key])


def missing(key: str, on: dt.date) -> DomainError:
    """The refusal when no value of `key` is in force on `on`."""
    return DomainError(
        f"参数“{label(key)}”在{on:%Y年%m月%d日}（该月）没有生效的参数，请先由县级管理员录入。",
        field="month",
    )


def entry_at(key: str, on: dt.date) -> InForce | None:
    """The value of `key` in force on `on`, with its date and source; None when none is."""
    row = (
        Parameter.objects.filter(key=key, effective_from__lte=on)
        .order_by("-effective_from")
        .first()
    )
    if row is None:
        return None
    return InForce.of(row)


def value_at(key: str, on: dt.date) -> Any:
    """The value of `key` in force on `on`; DomainError when there is none."""
    entry = entry_at(key, on)
    if entry is None:
        raise missing(key, on)
    return entry.value
