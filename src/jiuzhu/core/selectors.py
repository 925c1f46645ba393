"""Reads of the core app, always within the caller's area."""

import datetime as dt

from django.db.models import QuerySet

from jiuzhu.core.models import AccessLog, Region, User
from jiuzhu.core.roles import Capability


def regions_in_scope(user: User, level: str | None = None) -> QuerySet[Region]:
    qs = Region.objects.filter(code__startswith=user.scope_prefix)
    return qs.filter(level=level) if level else qs


def region_in_scope(user: User, region_id: int | str | None) -> Region | None:
    if not region_id:
        return None
    try:
        return regions_in_scope(user).get(pk=int(region_id))
    except (Region.DoesNotExist, ValueError):
        return None


def search_access_log(
    user: User,
    username: str = "",
    household_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AccessLog]:
    if not user.can(Capability.VIEW_ACCESS_LOG):
        return AccessLog.objects.none()
    qs = AccessLog.objects.select_related("user").filter(
        user__region__code__startswith=user.scope_prefix
    )
    if username:
        qs = qs.filter(user__username=username)
    if household_id:
        qs = qs.filter(household_id=household_id)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs
