"""Reads of the care facts: the current record of each kind per person, and a person's
history, for the household file, the decision and the policy engine's one household."""

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery

from jiuzhu.registry.care.models import (
    CareArrangement,
    CareInstitution,
    ChildCategory,
    ChildHardship,
    SelfCareAssessment,
    SupporterCapacity,
    SupportMode,
)

PAID_CHILD_CATEGORIES = (ChildCategory.ORPHAN, ChildCategory.DE_FACTO)


@dataclass
class CareFacts:
    """One person's current facts (None where nothing is recorded)."""

    assessment: SelfCareAssessment | None = None
    arrangement: CareArrangement | None = None
    supporters: list[SupporterCapacity] = field(default_factory=list)
    child: ChildHardship | None = None

    @property
    def adl_unable(self) -> int:
        """Daily activities (of six) the person cannot do; 0 without an assessment."""
        return self.assessment.unable_count if self.assessment else 0

    @property
    def has_supporter(self) -> bool:
        """Someone with a legal duty of support is able to fulfil it."""
        return any(s.able for s in self.supporters)

    @property
    def institutional(self) -> bool:
        return self.arrangement is not None and self.arrangement.mode == SupportMode.INSTITUTIONAL

    def orphan(self) -> bool:
        """An orphan or de facto unsupported child (paid by the children's scheme)."""
        return self.child is not None and self.child.category in PAID_CHILD_CATEGORIES

    def in_education(self, on: dt.date) -> bool:
        return bool(self.child and self.child.education_until and self.child.education_until >= on)


CHUNK = 1000  # persons per query: 4 parameters each, within SQLite's and PostgreSQL's limits


def _current_ids(ids: list[int]) -> dict[str, list[int]]:
    """The ids of each kind's current record of these persons (the latest by id, see
    models.py) and of their supporters in force, in one query: a household file opens
    mostly people with no care fact at all, for whom that one query is all. Plain SQL:
    the ORM spent 4 ms of CPU building and compiling it, the database 0.1 ms answering."""
    quote = connection.ops.quote_name

    def part(model: type[Any], person_field: str, kind: str, marks: str) -> str:
        table = quote(model._meta.db_table)
        person = quote(model._meta.get_field(person_field).column)
        pk = quote(model._meta.pk.column)
        where = f"FROM {table} WHERE {person} IN ({marks})"
        if model is SupporterCapacity:  # every supporter in force, not only the latest
            return f"SELECT '{kind}', {pk} {where} AND NOT {quote('superseded')}"
        return f"SELECT '{kind}', MAX({pk}) {where} GROUP BY {person}"

    found: dict[str, list[int]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = ", ".join(["%s"] * len(chunk))
        sql = " UNION ALL ".join(
            [
                part(SelfCareAssessment, "person", "assessment", marks),
                part(CareArrangement, "person", "arrangement", marks),
                part(ChildHardship, "child", "child", marks),
                part(SupporterCapacity, "person", "supporter", marks),
            ]
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, chunk * 4)
            for kind, pk in cursor.fetchall():
                found.setdefault(kind, []).append(pk)
    return found


def care_facts(person_ids: Collection[int]) -> dict[int, CareFacts]:
    """The current facts of these persons (every one gets an entry)."""
    ids = list(person_ids)
    facts = {pk: CareFacts() for pk in ids}
    if not ids:
        return facts
    current = _current_ids(ids)
    if "assessment" in current:
        for assessment in SelfCareAssessment.objects.filter(pk__in=current["assessment"]):
            facts[assessment.person_id].assessment = assessment
    if "arrangement" in current:
        arrangements = CareArrangement.objects.select_related("institution")
        for arrangement in arrangements.filter(pk__in=current["arrangement"]):
            facts[arrangement.person_id].arrangement = arrangement
    if "child" in current:
        children = ChildHardship.objects.select_related("guardian")
        for child in children.filter(pk__in=current["child"]):
            facts[child.child_id].child = child
    if "supporter" in current:
        # In the order they were read before: newest first (the model's ordering).
        for supporter in SupporterCapacity.objects.filter(pk__in=current["supporter"]):
            facts[supporter.person_id].supporters.append(supporter)
    return facts


@dataclass
class CareHistory:
    assessments: list[SelfCareAssessment]
    arrangements: list[CareArrangement]
    supporters: list[SupporterCapacity]
    children: list[ChildHardship]


def care_history(person_id: int) -> CareHistory:
    """Every record about one person, newest first."""
    return CareHistory(
        assessments=list(SelfCareAssessment.objects.filter(person_id=person_id)),
        arrangements=list(
            CareArrangement.objects.filter(person_id=person_id).select_related("institution")
        ),
        supporters=list(SupporterCapacity.objects.filter(person_id=person_id)),
        children=list(ChildHardship.objects.filter(child_id=person_id).select_related("guardian")),
    )


def reassessment_due(person_ref: str) -> Subquery:
    """For annotating rows that name a person (`person_ref`): the due date of that
    person's current self-care assessment (null without one)."""
    latest = SelfCareAssessment.objects.filter(person=OuterRef(person_ref)).order_by("-pk")
    return Subquery(latest.values("reassess_by")[:1])


def institutions_for(prefix: str) -> QuerySet[CareInstitution]:
    """Active institutions of the area (a town's code prefix; '' for the county)."""
    return CareInstitution.objects.filter(active=True, town__code__startswith=prefix[:9])
