"""The cases app's bulk writer: many cases written at once (the demo), as columns.

A caller builds the rows of cases, their events, home visits and advance payments as
`core.bulk.Table`s, with ids from `next_ids` so that the tables can point at each other
without reading anything back, and hands them to `write`. What the services decide one case
at a time is decided here for all rows at once, by the same cases functions:

- case numbers: `case_numbers` (services.routing's stem and sequence, continued above the
  numbers each day already used, as services.next_number);
- recipients: `recipients_table` computes the review class (rules.review_classes), the
  members covered (services.members_covered_by_household) and the next review
  (rules.review_interval_months).

Nullable dates and times go in text columns: `date_texts`, `NULL` and `Stamps` give the
text each database's bulk insert takes.
"""

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from jiuzhu.cases import rules
from jiuzhu.cases.models import (
    AdvancePayment,
    Case,
    CaseEvent,
    HomeVisit,
    Recipient,
    RecipientStatus,
)
from jiuzhu.cases.services.recipients import members_covered_by_household
from jiuzhu.cases.services.routing import case_number, last_sequences, number_stem
from jiuzhu.core.bulk import Column, Table, max_used_id, write_table
from jiuzhu.core.money import plain_yuan
from jiuzhu.core.months import add_months

# The tables `write` fills, in the order their foreign keys need.
MODELS: tuple[type[Model], ...] = (Case, CaseEvent, Recipient, HomeVisit, AdvancePayment)


def null() -> Any:
    """NULL in a text column: COPY's marker on PostgreSQL, None elsewhere."""
    return r"\N" if connection.vendor == "postgresql" else None


def date_texts(values: Sequence[dt.date | None]) -> list[Any]:
    """Dates (or none) as the text a bulk insert takes."""
    empty = null()
    return [empty if v is None else v.isoformat() for v in values]


class Stamps:
    """Aware local times → the text each database's bulk insert takes (UTC)."""

    def __init__(self) -> None:
        self.tz = timezone.get_current_timezone()
        self.postgres = connection.vendor == "postgresql"

    def text(self, values: Sequence[dt.datetime | None]) -> list[Any]:
        """The times as text (NULL for none)."""
        empty = null()
        return [
            empty
            if v is None
            else v.isoformat()
            if self.postgres
            else connection.ops.adapt_datetimefield_value(v)
            for v in values
        ]

    def at(self, day: dt.date, seconds: int) -> dt.datetime:
        """The local time `seconds` after the start of `day`."""
        return dt.datetime.combine(day, dt.time(), tzinfo=self.tz) + dt.timedelta(seconds=seconds)


def next_ids(model: type[Model], count: int) -> np.ndarray[Any, Any]:
    """`count` fresh ids for a model's rows, above every id used or handed out."""
    return max_used_id(model) + 1 + np.arange(count, dtype=np.int64)


def case_numbers(requests: Sequence[tuple[str, dt.date]]) -> list[str]:
    """Numbers for new cases given as (prefix, local day of submission), in the order given
    (callers sort by submission time): each day's sequence continues above the numbers
    already used, as services.next_number draws them one at a time."""
    used = last_sequences()
    numbers = []
    for prefix, day in requests:
        stem = number_stem(prefix, day)
        used[stem] = used.get(stem, 0) + 1
        numbers.append(case_number(stem, used[stem]))
    return numbers


@dataclass
class NewRecipient:
    """A case put in force: what the recipient row needs beyond the rules' own answers."""

    case_id: int
    household_id: int
    person_id: int | None  # the person supported, for a personal programme
    programme: str
    region_code: str
    area_type: str  # urban / rural: the review interval depends on it
    monthly_fen: int
    start_month: dt.date


def _next_review(interval: int, recipient: NewRecipient, today: dt.date) -> dt.date:
    """The class's interval after the first month paid, rolled on past the reviews already
    held: this month at the earliest (due now), or later."""
    this_month = today.replace(day=1)
    review = add_months(recipient.start_month, interval - 1)
    while review < this_month:
        review = add_months(review, interval)
    return review


def recipients_table(recipients: Sequence[NewRecipient], today: dt.date) -> Table:
    """Recipient rows in force, with review class, members covered and next review computed
    by the cases rules for all of them at once."""
    households = [r.household_id for r in recipients]
    classes = rules.review_classes(households)
    covered = members_covered_by_household(households)
    count = len(recipients)
    # This month's parameters, read once per review class and area (not once per row).
    interval = functools.cache(
        lambda class_code, area: rules.review_interval_months(
            class_code, area, today.replace(day=1)
        )
    )
    return Table(
        Recipient._meta.db_table,
        [
            Column("id", "int", next_ids(Recipient, count)),
            Column("case_id", "int", np.array([r.case_id for r in recipients], dtype=np.int64)),
            Column("household_id", "int", np.array(households, dtype=np.int64)),
            Column(
                "person_id",
                "nint",
                np.array([r.person_id or -1 for r in recipients], dtype=np.int64),
            ),
            Column("programme", "text", [r.programme for r in recipients]),
            Column("region_code", "text", [r.region_code for r in recipients]),
            Column("status", "text", [RecipientStatus.ACTIVE.value] * count),
            Column("monthly_amount", "text", [plain_yuan(r.monthly_fen) for r in recipients]),
            # A person supported alone covers one; a household unit its members, less tekun.
            Column(
                "members_covered",
                "int",
                np.array(
                    [1 if r.person_id else covered[r.household_id] for r in recipients],
                    dtype=np.int64,
                ),
            ),
            Column("start_month", "text", date_texts([r.start_month for r in recipients])),
            Column("end_month", "text", [null()] * count),
            Column("phase_out_until", "text", [null()] * count),
            Column("review_class", "text", [str(classes[h]) for h in households]),
            Column(
                "next_review_on",
                "text",
                date_texts(
                    [
                        _next_review(interval(classes[r.household_id], r.area_type), r, today)
                        for r in recipients
                    ]
                ),
            ),
            Column("end_reason", "text", [""] * count),
            # Written as Django writes it: partners' sync cursors compare it (SQLite
            # compares times as text, and its database default has another format).
            Column("updated_at", "text", Stamps().text([timezone.now()] * count)),
        ],
    )


def write(tables: Sequence[Table]) -> None:
    """Write the tables (in MODELS order) and, on PostgreSQL, move the id sequences past
    the ids given, refresh the planner's statistics and, outside a transaction, mark the new
    pages all-visible (as registry/bulk.py does): the public board's counts then read only
    an index."""
    for table in tables:
        write_table(table, {})
    if connection.vendor == "postgresql":
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(MODELS)):
                cursor.execute(sql)
            for model in MODELS:
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
