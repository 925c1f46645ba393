"""Reads for the duplicate list and the side-by-side comparison (county staff, their area)."""

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from jiuzhu.core.models import RegionLevel, User
from jiuzhu.core.roles import Capability
from jiuzhu.registry.models import (
    DuplicatePair,
    DuplicateStatus,
    Income,
    Membership,
    Person,
    RegisteredElsewhere,
)


def may_view(user: User) -> bool:
    return (
        user.can(Capability.VIEW_HOUSEHOLDS)
        and user.region is not None
        and user.region.level == RegionLevel.COUNTY
    )


def pairs(user: User, status: str = DuplicateStatus.OPEN) -> QuerySet[DuplicatePair]:
    """The pairs of the user's area (none for a role or level that may not see the list)."""
    if not may_view(user):
        return DuplicatePair.objects.none()
    return DuplicatePair.objects.filter(
        region_code__startswith=user.scope_prefix, status=status
    ).select_related("first", "second")


def elsewhere_of(person_ids: list[int]) -> dict[int, list[RegisteredElsewhere]]:
    flags: dict[int, list[RegisteredElsewhere]] = {}
    for flag in RegisteredElsewhere.objects.filter(person_id__in=person_ids).order_by("pk"):
        flags.setdefault(flag.person_id, []).append(flag)
    return flags


@dataclass
class Side:
    """One person of a pair as the comparison shows them."""

    person: Person
    memberships: list[Membership]  # all, current first
    incomes: int
    elsewhere: list[RegisteredElsewhere] = field(default_factory=list)

    @property
    def current(self) -> Membership | None:
        return next((m for m in self.memberships if m.end_date is None), None)


@dataclass
class Comparison:
    pair: DuplicatePair
    sides: tuple[Side, Side]
    different: set[str]  # the facts that differ: name, sex, birth_date, phone, hukou_type

    @property
    def household_ids(self) -> list[int]:
        return [s.current.household_id for s in self.sides if s.current is not None]


FACTS = ("name", "sex", "birth_date", "phone", "hukou_type", "residence_region_id")


def comparison(user: User, pair_id: int) -> Comparison | None:
    pair = (
        DuplicatePair.objects.filter(pk=pair_id, region_code__startswith=user.scope_prefix)
        .select_related("first", "second")
        .first()
        if may_view(user)
        else None
    )
    if pair is None:
        return None
    flags = elsewhere_of([pair.first_id, pair.second_id])
    incomes = dict(
        Income.objects.filter(person_id__in=[pair.first_id, pair.second_id])
        .values("person_id")
        .annotate(n=Count("pk"))
        .values_list("person_id", "n")
    )

    def side(person: Person) -> Side:
        memberships = list(
            Membership.objects.filter(person=person)
            .select_related("household", "household__registered_region")
            .order_by("end_date", "-start_date")
        )
        memberships.sort(key=lambda m: m.end_date is not None)
        return Side(person, memberships, incomes.get(person.pk, 0), flags.get(person.pk, []))

    different = {fact for fact in FACTS if getattr(pair.first, fact) != getattr(pair.second, fact)}
    return Comparison(pair, (side(pair.first), side(pair.second)), different)
