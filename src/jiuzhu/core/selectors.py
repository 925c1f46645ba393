"""Reads of the core app, always within the caller's area."""

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet

from jiuzhu.core.models import AccessLog, Region, User
from jiuzhu.core.roles import Capability, Role

ModelT = TypeVar("ModelT", bound=Model)


def in_area(user: User, *code_fields: str) -> Q:
    """Rows whose region code in any of ``code_fields`` lies in the user's area (a prefix
    match on an indexed code; a user without a region matches nothing)."""
    prefix = user.scope_prefix
    area = Q()
    for field in code_fields:
        area |= Q(**{f"{field}__startswith": prefix})
    return area


def one_of(rows: QuerySet[ModelT], pk: int | str | None) -> ModelT | None:
    """The row with this id among ``rows`` (already scoped), or None: an id outside the
    scope, unknown or malformed answers the same."""
    if pk is None:
        return None
    try:
        return rows.get(pk=int(pk))
    except (ObjectDoesNotExist, ValueError, TypeError):
        return None


def command_user(username: str | None) -> User | None:
    """Who a command-line job acts as: the active user named by --user, else the first
    active county administrator (the jobs audit and scope by this user)."""
    users = User.objects.filter(is_active=True)
    if username:
        return users.filter(username=username).first()
    return users.filter(role=Role.COUNTY_ADMIN).order_by("pk").first()


def regions_in_scope(user: User, level: str | None = None) -> QuerySet[Region]:
    qs = Region.objects.filter(in_area(user, "code"))
    return qs.filter(level=level) if level else qs


def region_in_scope(user: User, region_id: int | str | None) -> Region | None:
    if not region_id:
        return None
    return one_of(regions_in_scope(user), region_id)


@dataclass
class HouseholdNumbers:
    """How the access log names households by their number (户号), never their internal id.
    Households live in the registry, above core, which registers this when it is ready."""

    of: Callable[[Collection[int]], dict[int, str]]  # internal ids → numbers
    ids: Callable[[str], list[int]]  # a number → internal ids (one, or none)


_household_numbers: list[HouseholdNumbers] = []


def name_households(numbers: HouseholdNumbers) -> None:
    _household_numbers[:] = [numbers]


def household_numbers(ids: Collection[int | None]) -> dict[int, str]:
    """The numbers (户号) of these households, by internal id."""
    wanted = {i for i in ids if i is not None}
    return _household_numbers[0].of(wanted) if wanted else {}


def staff_in_area(user: User) -> QuerySet[User]:
    """The staff whose area lies within the user's (the access log's choice of person)."""
    return User.objects.filter(region__code__startswith=user.scope_prefix).order_by(
        "region__code", "last_name", "first_name", "pk"
    )


def search_access_log(
    user: User,
    staff: User | None = None,
    household_number: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AccessLog]:
    """Access-log entries of users in the auditor's area, filtered by person, household
    (by its number) and dates."""
    if not user.can(Capability.VIEW_ACCESS_LOG):
        return AccessLog.objects.none()
    qs = AccessLog.objects.select_related("user").filter(
        user__region__code__startswith=user.scope_prefix
    )
    if staff is not None:
        qs = qs.filter(user=staff)
    if household_number:
        qs = qs.filter(household_id__in=_household_numbers[0].ids(household_number.strip()))
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs
