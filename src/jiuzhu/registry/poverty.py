"""The poverty-alleviation bureau's lists as household flags (建档立卡脱贫户, 防止返贫监测对象).

Each month's list is complete: a household it names is listed from the date the list gives
(or the list's date), one it no longer names is ended on the list's date. Earlier listings
are kept, so a household's history reads as periods. Household.registered_poor, which the
policy formulas read, follows the open registered-poor listing. Nobody ticks these by
hand; the list arrives as a department extract (verification/data/sources.toml).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from jiuzhu.core.models import User
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability
from jiuzhu.registry.models import Household, Membership, PovertyKind, PovertyListing

# Keys per query when looking up or ending listings.
CHUNK = 5000


@dataclass(frozen=True)
class Listed:
    """One row of a list: a person (by ID-number digest), the list, since when."""

    id_digest: str
    kind: PovertyKind
    since: dt.date | None


@dataclass
class ListOutcome:
    started: int = 0
    ended: int = 0
    kept: int = 0
    unknown_people: int = 0

    @property
    def message(self) -> str:
        said = f"新纳入 {self.started} 户次，退出 {self.ended} 户次，保持 {self.kept} 户次。"
        if self.unknown_people:
            said += f"名单中 {self.unknown_people} 人未在本平台登记，未标识。"
        return said


def apply_list(
    actor: User, rows: Iterable[Listed], as_of: dt.date, source: str, extract_id: int
) -> ListOutcome:
    """Set and end the households' listings after a complete monthly list, in one
    transaction (the caller, the extract's import, records the audit entry)."""
    require(actor, Capability.IMPORT_EXTRACTS)
    rows = list(rows)
    digests = sorted({row.id_digest for row in rows if row.id_digest})
    households: dict[str, int] = {}
    for start in range(0, len(digests), CHUNK):  # SQLite bounds a query's parameters
        households.update(
            Membership.objects.filter(
                person__id_digest__in=digests[start : start + CHUNK], end_date__isnull=True
            ).values_list("person__id_digest", "household_id")
        )
    wanted: dict[tuple[int, str], dt.date] = {}
    outcome = ListOutcome()
    for row in rows:
        household_id = households.get(row.id_digest) if row.id_digest else None
        if household_id is None:
            outcome.unknown_people += 1
            continue
        since = min(row.since or as_of, as_of)
        key = (household_id, str(row.kind))
        wanted[key] = min(wanted.get(key, since), since)
    with transaction.atomic():
        open_now = {
            (listing.household_id, listing.kind): listing
            for listing in PovertyListing.objects.select_for_update().filter(until__isnull=True)
        }
        ended = [open_now[key].pk for key in open_now if key not in wanted]
        for start in range(0, len(ended), CHUNK):
            PovertyListing.objects.filter(pk__in=ended[start : start + CHUNK]).update(
                until=as_of, ended_by=extract_id
            )
        PovertyListing.objects.bulk_create(
            PovertyListing(
                household_id=household_id,
                kind=kind,
                since=since,
                source=source[:100],
                started_by=extract_id,
            )
            for (household_id, kind), since in wanted.items()
            if (household_id, kind) not in open_now
        )
        outcome.ended = len(ended)
        outcome.kept = sum(1 for key in wanted if key in open_now)
        outcome.started = len(wanted) - outcome.kept
        # The flag the formulas read follows the open registered-poor listings (subqueries:
        # no list of keys however long the list).
        poor = PovertyListing.objects.filter(
            kind=PovertyKind.REGISTERED_POOR, until__isnull=True
        ).values("household_id")
        Household.objects.filter(registered_poor=True).exclude(pk__in=poor).update(
            registered_poor=False
        )
        Household.objects.filter(pk__in=poor, registered_poor=False).update(registered_poor=True)
    return outcome


def listings_of(household: Household) -> QuerySet[PovertyListing]:
    """The household's listings, newest first (the file shows them read-only)."""
    return PovertyListing.objects.filter(household=household).order_by("-since", "kind")
