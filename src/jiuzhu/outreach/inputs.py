"""Small shared pieces of the outreach writes: the check of typed text (trimmed, required
unless said, within its length, refused with a sentence naming the field) and the day's
numbering of leads and deliberations."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from jiuzhu.core.errors import DomainError


def text(value: str, what: str, field: str, limit: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise DomainError(f"请填写{what}。", field=field)
    if len(value) > limit:
        raise DomainError(f"{what}最多{limit}字。", field=field)
    return value


def next_number(numbered: QuerySet[Any], prefix: str, today: dt.date, digits: int) -> str:
    """The next number of the day (prefix, date, sequence) among ``numbered``'s rows. The
    caller holds the county row's lock, so two writers cannot draw the same number."""
    stem = f"{prefix}{today:%Y%m%d}"
    last = numbered.filter(number__startswith=stem).order_by("-number").first()
    sequence = int(last.number[len(stem) :]) + 1 if last else 1
    return f"{stem}{sequence:0{digits}d}"
