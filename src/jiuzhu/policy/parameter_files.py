"""The parameter history the platform ships with, as data files, and their loader.

Each file in `policy/data/` (TOML, read in name order) holds a group of parameters: for each
key its label, kind, unit, the page of docs/policy/ that explains it, and its dated values
with the document each comes from. The files are the one source of what a key means
(`SPECS`) and of its shipped history; county administrators add later values on the
standards page (a new dated row, never an edit).

`load_parameters` writes the files' values into the `Parameter` table, adding only the
(key, date) rows that are missing: the data migrations and `jiuzhu load_parameters` call it,
and running it twice changes nothing.
"""

import datetime as dt
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from django.db import models

DATA_DIR = Path(__file__).resolve().parent / "data"

MONEY = "money"  # yuan, two decimals
RATIO = "ratio"  # a plain decimal (0.1 = 10 %)
INT = "int"
LIST = "list"  # a JSON list
TEXT = "text"
KINDS = (MONEY, RATIO, INT, LIST, TEXT)


@dataclass(frozen=True)
class Spec:
    label: str
    kind: str
    unit: str = ""
    standard: bool = False  # set on the standards page, with constraint checks
    # A rule for a limited period (the transition after poverty alleviation): when it ends,
    # or what the county must confirm about its end.
    period: str = ""


@dataclass(frozen=True)
class Dated:
    """One shipped value: in force from `effective_from`, as `source` decided."""

    effective_from: dt.date
    value: Any  # as stored in the JSON column: money and ratios as strings
    source: str
    note: str = ""


@dataclass(frozen=True)
class Definition:
    key: str
    group: str  # the data file's name, without extension
    spec: Spec
    docs: str  # the page of docs/policy/ that explains the key
    values: tuple[Dated, ...]


def group_names() -> list[str]:
    """The data files' names without extension, in the order they are read."""
    return sorted(path.stem for path in DATA_DIR.glob("*.toml"))


def _value_fits(kind: str, value: Any) -> bool:
    if kind in (MONEY, RATIO):
        if not isinstance(value, str):
            return False
        try:
            Decimal(value)
        except InvalidOperation:
            return False
        return True
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == LIST:
        return isinstance(value, list)
    return True


def _definition(group: str, entry: dict[str, Any]) -> Definition:
    """One [[parameter]] table of a file, checked: a bad file fails loudly, naming itself."""
    key = entry.get("key", "?")
    where = f"{group}.toml, {key}"
    kind = entry.get("kind")
    if kind not in KINDS or not entry.get("label") or not entry.get("docs"):
        raise ValueError(f"{where}: label, docs and a kind among {KINDS} are required")
    spec = Spec(
        entry["label"],
        kind,
        entry.get("unit", ""),
        bool(entry.get("standard", False)),
        entry.get("period", ""),
    )
    values = []
    for dated in entry.get("values", []):
        if not isinstance(dated.get("from"), dt.date) or not dated.get("source"):
            raise ValueError(f"{where}: each value needs a date (from) and a source")
        if not _value_fits(kind, dated.get("value")):
            raise ValueError(f"{where}: {dated.get('value')!r} is not a {kind} value")
        values.append(Dated(dated["from"], dated["value"], dated["source"], dated.get("note", "")))
    return Definition(key, group, spec, entry["docs"], tuple(values))


@cache
def definitions() -> dict[str, Definition]:
    """Every key of every data file, in file order; a key defined twice is an error."""
    found: dict[str, Definition] = {}
    for group in group_names():
        with (DATA_DIR / f"{group}.toml").open("rb") as fh:
            entries = tomllib.load(fh).get("parameter", [])
        for entry in entries:
            definition = _definition(group, entry)
            if definition.key in found:
                raise ValueError(f"{group}.toml: {definition.key} is defined twice")
            found[definition.key] = definition
    return found


def groups() -> dict[str, list[str]]:
    """The keys of each data file, by file name."""
    out: dict[str, list[str]] = {group: [] for group in group_names()}
    for key, definition in definitions().items():
        out[definition.group].append(key)
    return out


def specs() -> dict[str, Spec]:
    """What each key means (label, kind, unit, whether it is a standard)."""
    return {key: definition.spec for key, definition in definitions().items()}


def _keys(only: Iterable[str] | None) -> list[str]:
    if only is None:
        return list(definitions())
    by_group = groups()
    unknown = [group for group in only if group not in by_group]
    if unknown:
        raise ValueError(f"no parameter file named {', '.join(unknown)}")
    return [key for group in only for key in by_group[group]]


def load_parameters(model: type[models.Model], only: Iterable[str] | None = None) -> int:
    """Add the files' dated values (of the groups in `only`, or all) that `model` — the
    Parameter model, or its historical version in a migration — lacks; the number added.
    Existing (key, date) rows are left as they are, whoever wrote them."""
    table = definitions()
    wanted = [(key, dated) for key in _keys(only) for dated in table[key].values]
    manager = model._default_manager
    before = manager.count()
    manager.bulk_create(
        [
            model(
                key=key,
                effective_from=dated.effective_from,
                value=dated.value,
                unit=table[key].spec.unit,
                source=dated.source,
                note=dated.note,
            )
            for key, dated in wanted
        ],
        ignore_conflicts=True,
    )
    return int(manager.count() - before)


def unload_parameters(model: type[models.Model], only: Iterable[str] | None = None) -> None:
    """Remove the shipped rows of these groups (those nobody entered by hand): the reverse of
    the data migrations."""
    table = definitions()
    for key in _keys(only):
        for dated in table[key].values:
            model._default_manager.filter(
                key=key, effective_from=dated.effective_from, created_by=None
            ).delete()
