"""Every read of the registry goes through the caller's area: outside it, nothing exists."""

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils import timezone

from jiuzhu.core import crypto, idnumber
from jiuzhu.core.inputs import NUL, NUL_REFUSAL
from jiuzhu.core.models import AuditEntry, User
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import in_area, one_of
from jiuzhu.registry import sections
from jiuzhu.registry.models import Asset, ByteOrder, Household, Income, Membership, Person

SEARCH_LIMIT = 50


def numbers_of_households(ids: Collection[int]) -> dict[int, str]:
    """Household numbers (户号) by internal id, for pages that must not show the id."""
    return dict(Household.objects.filter(pk__in=ids).values_list("pk", "number"))


def household_ids_by_number(number: str) -> list[int]:
    """The internal id of the household with this number (户号), if any."""
    return list(Household.objects.filter(number=number).values_list("pk", flat=True))


MIN_SUFFIX_DIGITS = 4
SUFFIX_LENGTH = 4  # Person.id_suffix: the last characters kept plain and indexed


def _scope(user: User, prefix: str = "") -> Q:
    # A household is in the area where it is registered and where it lives (人户分离).
    return in_area(user, f"{prefix}registered_code", f"{prefix}residence_code")


def households_in_scope(user: User) -> QuerySet[Household]:
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return Household.objects.none()
    return Household.objects.filter(_scope(user))


def in_scope(user: User, household: Household) -> bool:
    """Whether a household already loaded is one `households_in_scope` holds (no query)."""
    prefix = user.scope_prefix
    return user.can(Capability.VIEW_HOUSEHOLDS) and (
        household.registered_code.startswith(prefix) or household.residence_code.startswith(prefix)
    )


def household_for(user: User, household_id: int | str) -> Household | None:
    return one_of(households_in_scope(user), household_id)


def household_by_number(user: User, number: str) -> Household | None:
    """The household in the user's area with this number (as shown on its file), or None."""
    return households_in_scope(user).filter(number=number.strip()).first()


def persons_in_scope(user: User) -> QuerySet[Person]:
    """People whose current household is in the user's area."""
    if not user.can(Capability.VIEW_HOUSEHOLDS):
        return Person.objects.none()
    current = Membership.objects.filter(end_date__isnull=True).filter(_scope(user, "household__"))
    return Person.objects.filter(pk__in=current.values("person_id"))


def person_for(user: User, person_id: int | str) -> Person | None:
    return one_of(persons_in_scope(user), person_id)


def current_household_id(person: Person) -> int | None:
    membership = person.memberships.filter(end_date__isnull=True).first()
    return membership.household_id if membership else None


_INITIALS = re.compile(r"^[a-zA-Z]{1,20}$")
_DIGITS = re.compile(r"^\d{1,17}[\dXx]?$")


def id_number_is(id_number: str, through: str = "") -> Q:
    """The person with this ID number (reached through `through`, e.g. "person__"): the one
    way to find one, by the digest, since the number itself is sealed (core/crypto.py)."""
    return Q(**{f"{through}id_digest": crypto.digest(idnumber.normalise(id_number))})


def current_memberships_by_id_number(id_numbers: Collection[str]) -> dict[str, Membership]:
    """Each known ID number's current membership (person and household loaded), for imports
    that name people by ID number: one query, by the digests."""
    wanted = {crypto.digest(idnumber.normalise(number)): number for number in id_numbers}
    found = Membership.objects.filter(
        person__id_digest__in=list(wanted), end_date__isnull=True
    ).select_related("person", "household")
    return {wanted[membership.person.id_digest]: membership for membership in found}


MAX_SEARCH_PAGES = 20


@dataclass
class SearchResult:
    query: str
    memberships: list[Membership]
    message: str = ""
    page: int = 1
    has_more: bool = False  # another page follows


def search(user: User, raw_query: str, limit: int | None = None, page: int = 1) -> SearchResult:
    """Find people by name, pinyin initials (张三 → zs), full ID or its last digits; `limit`
    a page, from page `page`.

    Pages follow an order an index gives without a sort: by name or initials, the prefix's
    range of person_name_order or person_initials_order (byte order, then person); by the
    last digits, person_suffix. Each page is then shown sorted by name.
    """
    limit = limit or SEARCH_LIMIT
    query = raw_query.strip()[:40]
    if NUL in query:  # PostgreSQL cannot compare with it: refused, never a server error
        return SearchResult("", [], f"查询条件{NUL_REFUSAL}")
    if not query or not user.can(Capability.VIEW_HOUSEHOLDS):
        return SearchResult(query, [])
    ends_with = ""
    order: tuple[Any, ...] = ("person_id",)
    if _INITIALS.match(query):
        match, order = _starting_with("person__name_initials", query.lower())
    elif _DIGITS.match(query):
        value = query.upper()
        if len(value) == 18:
            match = id_number_is(value, "person__")
        elif len(value) >= MIN_SUFFIX_DIGITS:
            match = Q(person__id_suffix=value[-SUFFIX_LENGTH:])
            ends_with = value
        else:
            return SearchResult(query, [], f"按身份证号查询请至少输入后{MIN_SUFFIX_DIGITS}位。")
    else:
        match, order = _starting_with("person__name", query)
    found = (
        Membership.objects.filter(match, end_date__isnull=True)
        .filter(_scope(user, "household__"))
        .select_related("person", "household", "household__registered_region")
    )
    page = min(max(page, 1), MAX_SEARCH_PAGES)
    start, stop = (page - 1) * limit, page * limit + 1  # one more: is there a next page?
    if len(ends_with) > SUFFIX_LENGTH:
        # More digits than the indexed suffix: the sealed numbers are compared here, among
        # the area's people with those last four (a few hundred in a county at most).
        memberships = [m for m in found if m.person.id_number.endswith(ends_with)][start:stop]
    elif ends_with:
        # By the last four digits: thousands of people may share them, so the keys come
        # first from the indexes alone (person_suffix, one_current_household,
        # household_area: no table row read per candidate), then only the page's rows.
        # In person order, which person_suffix (id_suffix, id) gives without a sort (a
        # person has one current membership): each page read up to its own LIMIT without
        # an order, and PostgreSQL's plan, so the order, changed with the LIMIT; one person
        # was shown on two pages and another on none.
        keys = list(found.order_by(*order).values_list("pk", flat=True)[start:stop])
        memberships = list(found.filter(pk__in=keys))
    else:
        memberships = list(found.order_by(*order)[start:stop])
    has_more = len(memberships) > limit
    memberships = memberships[:limit]
    memberships.sort(key=lambda m: (m.person.name, m.person_id))
    return SearchResult(query, memberships, page=page, has_more=has_more)


def _starting_with(field: str, prefix: str) -> tuple[Q, tuple[Any, ...]]:
    """Texts of `field` starting with `prefix` as a range in byte order (of its ByteOrder
    index), and the order that index gives: by the text, then the person."""
    in_bytes = ByteOrder(field)
    match = Q(GreaterThanOrEqual(in_bytes, prefix))
    past = _past_prefix(prefix)
    if past is not None:
        match &= Q(LessThan(in_bytes, past))
    return match, (in_bytes, "person_id")


_LAST_CHARACTER = chr(0x10FFFF)


def _past_prefix(prefix: str) -> str | None:
    """The least text after every text starting with `prefix` (in code point order, which is
    UTF-8's byte order); None when there is none (all of them are at the very end)."""
    kept = prefix.rstrip(_LAST_CHARACTER)
    if not kept:
        return None
    following = ord(kept[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # surrogates are not characters: skip them
        following = 0xE000
    return kept[:-1] + chr(following)


@dataclass
class MemberView:
    membership: Membership
    person: Person
    id_display: str
    age: int


@dataclass
class HouseholdFile:
    household: Household
    members: list[MemberView]
    past_members: list[Membership]
    incomes: list[Any]
    assets: list[Any]
    programmes: list[tuple[str, str, list[sections.Entry]]]
    other_sections: dict[str, list[sections.Entry]]
    history: list[AuditEntry]


def household_file(user: User, household_id: int | str) -> HouseholdFile | None:
    """Everything about one household across programmes (一户一档)."""
    household = (
        households_in_scope(user)
        .select_related("registered_region__parent", "residence_region__parent")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related(
                    "person__registered_region", "person__residence_region"
                ).order_by("start_date", "pk"),
            ),
            # Each record with its owner in one query (not one more for the owners).
            Prefetch("incomes", queryset=Income.objects.select_related("person")),
            Prefetch("assets", queryset=Asset.objects.select_related("person")),
        )
        .filter(pk=household_id)
        .first()
        if str(household_id).isdigit()
        else None
    )
    if household is None:
        return None
    today = timezone.localdate()
    memberships = list(household.memberships.all())
    current = [m for m in memberships if m.end_date is None]
    current.sort(key=lambda m: (m.relation != "head", m.person.birth_date))
    members = [
        MemberView(
            membership=m,
            person=m.person,
            id_display=idnumber.mask(m.person.id_number, user.id_visibility),
            age=idnumber.age_on(m.person.birth_date, today),
        )
        for m in current
    ]
    history = list(
        AuditEntry.objects.filter(object_type="Household", object_id=household.pk)
        .select_related("actor")
        # What the history shows: not the changes nor the chain's hashes.
        .only("at", "action", "actor__last_name", "actor__first_name", "actor__role")
        .order_by("-at")[:50]
    )
    entries = sections.collect(user, household)
    other: dict[str, list[sections.Entry]] = {}
    for entry in entries:
        if not entry.programme:
            other.setdefault(entry.section, []).append(entry)
    return HouseholdFile(
        household=household,
        members=members,
        past_members=[m for m in memberships if m.end_date is not None],
        incomes=list(household.incomes.all()),
        assets=list(household.assets.all()),
        programmes=[
            (
                programme.value,
                str(programme.label),
                [entry for entry in entries if entry.programme == programme.value],
            )
            for programme in Programme
        ],
        other_sections=other,
        history=history,
    )


def household_for_intake(id_number: str) -> Household | None:
    """The household of a person presenting an ID card at any window of the county.

    The one read outside the user's area: the county lets anyone apply at any town
    (就近能办、多点可办). It needs the full, valid ID number, and the caller logs it.
    """
    if not idnumber.is_valid(id_number):
        return None
    membership = (
        Membership.objects.filter(id_number_is(id_number, "person__"), end_date__isnull=True)
        .select_related("household")
        .first()
    )
    return membership.household if membership else None


def persons_with_id_numbers(id_numbers: set[str]) -> dict[str, Person]:
    """The registered persons among these (valid, normalised) ID numbers, by ID number:
    for matching another system's list (the exchange with the province). Not scoped to an
    area: the caller keeps only what concerns its own recipients."""
    found: dict[str, Person] = {}
    by_digest = dict(zip(crypto.digest_many(sorted(id_numbers)), sorted(id_numbers), strict=True))
    digests = list(by_digest)
    for start in range(0, len(digests), 500):
        for person in Person.objects.filter(id_digest__in=digests[start : start + 500]):
            found[by_digest[person.id_digest]] = person
    return found
