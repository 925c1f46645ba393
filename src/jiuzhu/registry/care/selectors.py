"""Reads of the care facts: the current record of each kind per person, and a person's
history, for the household file, the decision and the policy engine's one household."""

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Max, OuterRef, QuerySet, Subquery

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


def _latest(queryset: QuerySet, person_field: str, ids: Collection[int]) -> dict[int, object]:
    latest = (
        queryset.filter(**{f"{person_field}__in": ids})
        .values(person_field)
        .annotate(last=Max("pk"))
        .values_list("last", flat=True)
    )
    rows = queryset.filter(pk__in=list(latest))
    return {getattr(row, f"{person_field}_id"): row for row in rows}


def care_facts(person_ids: Collection[int]) -> dict[int, CareFacts]:
    """The current facts of these persons (every one gets an entry)."""
    ids = list(person_ids)
    facts = {pk: CareFacts() for pk in ids}
    for pk, row in _latest(SelfCareAssessment.objects.all(), "person", ids).items():
        facts[pk].assessment = row  # type: ignore[assignment]
    arrangements = CareArrangement.objects.select_related("institution")
    for pk, row in _latest(arrangements, "person", ids).items():
        facts[pk].arrangement = row  # type: ignore[assignment]
    children = ChildHardship.objects.select_related("guardian")
    for pk, row in _latest(children, "child", ids).items():
        facts[pk].child = row  # type: ignore[assignment]
    for supporter in SupporterCapacity.objects.filter(person_id__in=ids, superseded=False):
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
