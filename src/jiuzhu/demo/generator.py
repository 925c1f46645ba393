"""Synthetic households of the demo county, generated column-wise with numpy.

One call of `generate_chunk` makes a block of households (with their people, memberships,
incomes and assets) as columns ready for a bulk write; the Python loops run over templates
and pools, never over households. Everything follows from the random generator handed in,
so a seed reproduces the county exactly.

ID numbers are unique by construction: for every (region code, birth date, sex) the loader
keeps the next free sequence slot (male 001, 003 … 999; female 002 … 998), carried from
chunk to chunk and started above the slots already used in the database.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jiuzhu.core.bulk import Column, Table
from jiuzhu.core.idnumber import CHECK_CHARS, WEIGHTS
from jiuzhu.core.money import fen_column, plain_yuan_column
from jiuzhu.demo import pools
from jiuzhu.registry.models import (
    AssetKind,
    DisabilityCategory,
    HukouType,
    IncomeCategory,
    LabourCapacity,
    Relation,
)
from jiuzhu.registry.names import initials

Array = np.ndarray[Any, Any]

EPOCH = np.datetime64("1900-01-01", "D")
MALE_SLOTS = 500  # sequences 001, 003, …, 999
FEMALE_SLOTS = 499  # sequences 002, 004, …, 998
HOUSEHOLD_SEQ_MAX = 99_999  # five digits after the village code, as services._next_number
LOW_INCOME_LINE = 700  # yuan per person per month; the demo aims ~6.5 % of households below
LOW_INCOME_SHARE = 0.065

# Jinan's other county-level codes: people born elsewhere in the city who live here.
JINAN_OTHER_CODES = (
    "370102", "370103", "370104", "370105", "370112", "370113", "370114", "370115",
    "370116", "370117", "370126",
)  # fmt: skip


@dataclass(frozen=True)
class Template:
    """A household shape: the head's age range and the other members' relations in order."""

    weight: float
    head_ages: tuple[int, int]
    head_male: float
    members: tuple[str, ...]
    single_parent: bool = False


H, S, C, L, G, P = (
    Relation.HEAD,
    Relation.SPOUSE,
    Relation.CHILD,
    Relation.CHILD_IN_LAW,
    Relation.GRANDCHILD,
    Relation.PARENT,
)
# Weights give sizes 1-6 of about 19/29/18/16/9/4 % (mean ≈ 2.8, near the county's 2.9).
TEMPLATES: tuple[Template, ...] = (
    Template(0.12, (60, 90), 0.45, ()),  # elderly person living alone
    Template(0.07, (25, 59), 0.65, ()),
    Template(0.17, (60, 88), 0.85, (S,)),  # elderly couple
    Template(0.07, (25, 59), 0.85, (S,)),
    Template(0.03, (28, 55), 0.35, (C,), single_parent=True),
    Template(0.02, (30, 60), 0.70, (P,)),
    Template(0.14, (26, 60), 0.85, (S, C)),
    Template(0.01, (30, 55), 0.35, (C, C), single_parent=True),
    Template(0.03, (30, 62), 0.85, (S, P)),
    Template(0.10, (30, 55), 0.85, (S, C, C)),
    Template(0.04, (30, 60), 0.85, (S, C, P)),
    Template(0.02, (48, 70), 0.85, (S, C, L)),
    Template(0.04, (32, 58), 0.85, (S, C, C, P)),
    Template(0.04, (48, 72), 0.85, (S, C, L, G)),
    Template(0.01, (32, 58), 0.85, (S, C, P, P)),
    Template(0.02, (34, 56), 0.85, (S, C, C, P, P)),
    Template(0.02, (50, 72), 0.85, (S, C, L, G, G)),
)
_TEMPLATE_P = np.array([t.weight for t in TEMPLATES]) / sum(t.weight for t in TEMPLATES)
_SINGLE_PARENT = np.array([t.single_parent for t in TEMPLATES])

RELATIONS = tuple(Relation.values)
_REL = {r: i for i, r in enumerate(RELATIONS)}

DISABILITY_CATEGORIES = (
    DisabilityCategory.PHYSICAL,
    DisabilityCategory.HEARING,
    DisabilityCategory.VISUAL,
    DisabilityCategory.INTELLECTUAL,
    DisabilityCategory.MENTAL,
    DisabilityCategory.MULTIPLE,
    DisabilityCategory.SPEECH,
)
_DISABILITY_P = np.array([0.36, 0.20, 0.13, 0.10, 0.10, 0.08, 0.03])
_GRADE_P = np.array([0.12, 0.22, 0.28, 0.38])  # grades 1-4; 1 is the most severe
LABOUR = (LabourCapacity.FULL, LabourCapacity.PARTIAL, LabourCapacity.NONE)

INCOME_CATEGORIES = tuple(IncomeCategory.values)
_INC = {c: i for i, c in enumerate(INCOME_CATEGORIES)}
INCOME_NOTES = {
    IncomeCategory.WAGES: "务工收入",
    IncomeCategory.BUSINESS: "个体经营",
    IncomeCategory.PROPERTY: "房屋出租、存款利息",
    IncomeCategory.TRANSFER: "耕地地力保护补贴",
    IncomeCategory.PENSION: "企业职工基本养老金",
    IncomeCategory.SUPPORT_RECEIVED: "子女给付的赡养费",
    IncomeCategory.RESIDENT_BASIC_PENSION: "城乡居民基本养老保险",
    IncomeCategory.VETERANS_CARE: "优抚对象定期抚恤补助",
    IncomeCategory.FAMILY_PLANNING_REWARD: "农村部分计划生育家庭奖励扶助",
    IncomeCategory.OTHER: "零星收入",
}
ASSET_KINDS = tuple(AssetKind.values)
_AST = {k: i for i, k in enumerate(ASSET_KINDS)}
ASSET_NOTES = {
    AssetKind.VEHICLE: "小型普通客车",
    AssetKind.MOTORBIKE_OR_FARM: "电动三轮车",
    AssetKind.ASSISTIVE_VEHICLE: "残疾人机动轮椅车",
    AssetKind.HOUSE: "商品住房",
    AssetKind.DEPOSIT: "银行存款",
    AssetKind.SECURITIES: "股票、基金",
    AssetKind.COMMERCIAL_INSURANCE: "商业人寿保险",
    AssetKind.BUSINESS: "个体工商户",
}


@dataclass(frozen=True)
class Village:
    id: int
    code: str
    address: str  # town + village, the start of a street address: 东阿镇东阿村
    urban: bool


@dataclass
class GeneratorState:
    """What must carry over from chunk to chunk (and from what the database already holds)."""

    villages: list[Village]
    id_regions: tuple[str, ...]  # the county's own code first
    as_of: dt.date
    next_household_id: int = 1
    next_person_id: int = 1
    next_membership_id: int = 1
    next_income_id: int = 1
    next_asset_id: int = 1
    # Next free sequence slot per (ID region, birth day, sex); see module docstring.
    id_slots: Array = field(default_factory=lambda: np.zeros(0, dtype=np.uint16))
    household_seq: Array = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    initials_cache: dict[str, str] = field(default_factory=dict)
    village_p: Array = field(default_factory=lambda: np.zeros(0))
    given_pools: dict[tuple[str, bool], tuple[Array, Array]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        days = self.n_days
        if self.id_slots.size == 0:
            self.id_slots = np.zeros(len(self.id_regions) * days * 2, dtype=np.uint16)
        if self.household_seq.size == 0:
            self.household_seq = np.zeros(len(self.villages), dtype=np.int64)
        for sex in ("M", "F"):
            for modern in (False, True):
                names, p = pools.given_name_pool(sex, modern)
                self.given_pools[(sex, modern)] = (np.array(names, dtype=object), p)

    @property
    def n_days(self) -> int:
        return int((np.datetime64(self.as_of, "D") - EPOCH).astype(int)) + 1

    def slot_key(self, region_idx: Array, day: Array, male: Array) -> Array:
        return (region_idx.astype(np.int64) * self.n_days + day) * 2 + male

    def mark_used_ids(self, existing: list[str]) -> None:
        """Start every bucket above the sequences already taken by people in the database."""
        if not existing:
            return
        chars = np.array(existing, dtype="U18").view(np.uint32).reshape(len(existing), 18)
        digits = chars[:, :17].astype(np.int64) - 48
        ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
        powers = 10 ** np.arange(5, -1, -1)
        region = digits[:, :6] @ powers
        ours = np.array([int(c) for c in self.id_regions])
        region_idx = np.searchsorted(np.sort(ours), region)
        region_idx = np.argsort(ours)[np.minimum(region_idx, len(ours) - 1)]
        ok &= ours[region_idx] == region
        year = digits[:, 6:10] @ powers[2:]
        month = digits[:, 10:12] @ powers[4:]
        day = digits[:, 12:14] @ powers[4:]
        ok &= (year >= 1900) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
        first_of_month = (
            np.where(ok, year - 1970, 0).astype("datetime64[Y]").astype("datetime64[M]")
            + np.where(ok, month - 1, 0)
        ).astype("datetime64[D]")
        born = first_of_month + np.where(ok, day - 1, 0)
        ok &= born.astype("datetime64[M]") == first_of_month.astype("datetime64[M]")
        offset = (born - EPOCH).astype(np.int64)
        ok &= (offset >= 0) & (offset < self.n_days)
        seq = digits[:, 14:17] @ powers[3:]
        male = seq % 2
        slot = np.where(male == 1, (seq - 1) // 2, seq // 2 - 1)
        keys = self.slot_key(region_idx[ok], offset[ok], male[ok])
        current = self.id_slots.astype(np.int64)
        np.maximum.at(current, keys, slot[ok] + 1)
        self.id_slots = np.minimum(current, MALE_SLOTS).astype(np.uint16)


# ---------------------------------------------------------------------------------------
# Helpers on arrays


def _digits(values: Array, width: int) -> Array:
    """Non-negative integers → (n, width) ASCII digit bytes."""
    out = np.empty((len(values), width), dtype=np.uint8)
    v = values.astype(np.int64)
    for i in range(width - 1, -1, -1):
        out[:, i] = v % 10 + 48
        v = v // 10
    return out


def _strings(matrix: Array) -> list[str]:
    width = matrix.shape[1]
    return np.ascontiguousarray(matrix).view(f"S{width}").ravel().astype(f"U{width}").tolist()


def _rank_within(keys: Array) -> Array:
    """Position of each element among the earlier elements with the same key (0, 1, 2 …)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(keys)), 0))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys)) - group_start
    return rank


def _lognormal(rng: np.random.Generator, median: Array | float, sigma: float, n: int) -> Array:
    return np.asarray(median) * np.exp(rng.normal(0.0, sigma, n))


def id_numbers(region_codes: Array, birth: Array, seq: Array) -> list[str]:
    """Vectorised idnumber.make: region (6) + birth date (8) + sequence (3) + check."""
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    month = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    first17 = np.concatenate(
        [
            _digits(region_codes, 6),
            _digits(year * 10000 + month * 100 + day, 8),
            _digits(seq, 3),
        ],
        axis=1,
    )
    total = ((first17.astype(np.int64) - 48) * np.array(WEIGHTS)).sum(axis=1)
    check = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8)[total % 11]
    return _strings(np.concatenate([first17, check[:, None]], axis=1))


# ---------------------------------------------------------------------------------------
# The chunk


@dataclass
class _People:
    """Members as parallel arrays, before sorting into household order."""

    hh: list[Array] = field(default_factory=list)
    slot: list[Array] = field(default_factory=list)
    rel: list[Array] = field(default_factory=list)
    age: list[Array] = field(default_factory=list)
    male: list[Array] = field(default_factory=list)
    surname: list[Array] = field(default_factory=list)

    def add(self, hh: Array, slot: int, rel: str, age: Array, male: Array, surname: Array) -> None:
        self.hh.append(hh)
        self.slot.append(np.full(len(hh), slot))
        self.rel.append(np.full(len(hh), _REL[rel]))
        self.age.append(np.asarray(age, dtype=np.int64))
        self.male.append(np.asarray(male, dtype=bool))
        self.surname.append(np.asarray(surname, dtype=np.int64))


def _compose(rng: np.random.Generator, template_of: Array) -> _People:
    """Relations, ages, sexes and surnames of everyone, template by template."""
    people = _People()
    surname_p = pools.surname_weights()

    def surnames(k: int) -> Array:
        return rng.choice(len(surname_p), size=k, p=surname_p)

    for t, spec in enumerate(TEMPLATES):
        hh = np.flatnonzero(template_of == t)
        k = hh.size
        if k == 0:
            continue
        head_age = rng.integers(spec.head_ages[0], spec.head_ages[1] + 1, k)
        head_male = rng.random(k) < spec.head_male
        head_surname = surnames(k)
        people.add(hh, 0, H, head_age, head_male, head_surname)
        # Children take the father's surname: the head's, or a male spouse's.
        father_surname = head_surname
        children: list[tuple[Array, Array, Array]] = []
        in_law: tuple[Array, Array, Array] | None = None
        grandchild_age: Array | None = None
        n_parents = spec.members.count(P)
        parent_ages: list[Array] = []
        married_child = L in spec.members
        for slot, rel in enumerate(spec.members, start=1):
            if rel == S:
                age = np.clip(head_age + np.round(rng.normal(0, 3, k)) - 2 * head_male + 1, 20, 99)
                male = ~head_male
                surname = surnames(k)
                father_surname = np.where(head_male, head_surname, surname)
            elif rel == C:
                if not children:
                    if married_child:
                        age = np.maximum(head_age - rng.integers(22, 31, k), 22)
                    else:
                        age = head_age - rng.integers(22, 37, k)
                        age = np.where(age < 0, rng.integers(0, 4, k), age)
                    # The married son stays with his parents, as is usual in rural Shandong.
                    male = rng.random(k) < (0.85 if married_child else 0.53)
                else:
                    age = np.maximum(children[-1][0] - rng.integers(1, 9, k), 0)
                    male = rng.random(k) < 0.53
                surname = father_surname
                children.append((age, male, surname))
            elif rel == L:
                c_age, c_male, c_surname = children[0]
                age = np.clip(c_age + np.round(rng.normal(0, 2, k)) + 2 * c_male - 1, 20, 99)
                male = ~c_male
                surname = surnames(k)
                in_law = (age, male, surname)
            elif rel == G:
                assert in_law is not None
                c_age, c_male, c_surname = children[0]
                if grandchild_age is None:
                    younger = np.minimum(c_age, in_law[0])
                    age = younger - rng.integers(22, 33, k)
                    age = np.where(age < 0, rng.integers(0, 6, k), age)
                else:
                    age = np.maximum(grandchild_age - rng.integers(1, 7, k), 0)
                grandchild_age = age
                male = rng.random(k) < 0.53
                surname = np.where(c_male, c_surname, in_law[2])
            else:  # parent of the head
                if n_parents == 2 and parent_ages:
                    age = np.clip(parent_ages[0] + np.round(rng.normal(-2, 2, k)), 40, 99)
                    male = np.zeros(k, dtype=bool)
                else:
                    age = np.clip(head_age + rng.integers(22, 35, k), 40, 99)
                    # A lone parent is more often a widowed mother.
                    male = np.ones(k, dtype=bool) if n_parents == 2 else rng.random(k) < 0.3
                parent_ages.append(age)
                surname = np.where(male, head_surname, surnames(k))
            people.add(hh, slot, rel, age, male, surname)
    return people


def _birth_dates(rng: np.random.Generator, as_of: dt.date, age: Array) -> Array:
    """A birth date at which the person is exactly `age` years old on `as_of`."""
    low = np.ceil(age * 365.2425).astype(np.int64) + 1
    high = np.floor((age + 1) * 365.2425).astype(np.int64) - 1
    days_ago = low + (rng.random(len(age)) * (high - low + 1)).astype(np.int64)
    return np.datetime64(as_of, "D") - days_ago


def _exact_age(birth: Array, as_of: dt.date) -> Array:
    year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    month = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    before = (month > as_of.month) | ((month == as_of.month) & (day > as_of.day))
    return as_of.year - year - before


def _assign_sequences(
    state: GeneratorState, region_idx: Array, birth: Array, male: Array
) -> tuple[Array, Array]:
    """Sequence digits for each person; a full bucket moves the birth date a day earlier."""
    birth = birth.copy()
    seq = np.zeros(len(birth), dtype=np.int64)
    pending = np.arange(len(birth))
    capacity = np.where(male, MALE_SLOTS, FEMALE_SLOTS)
    while pending.size:
        day = (birth[pending] - EPOCH).astype(np.int64)
        keys = state.slot_key(region_idx[pending], day, male[pending])
        slot = state.id_slots[keys].astype(np.int64) + _rank_within(keys)
        uniq, counts = np.unique(keys, return_counts=True)
        state.id_slots[uniq] = np.minimum(
            state.id_slots[uniq].astype(np.int64) + counts, MALE_SLOTS
        ).astype(np.uint16)
        ok = slot < capacity[pending]
        done = pending[ok]
        seq[done] = np.where(male[done], 2 * slot[ok] + 1, 2 * slot[ok] + 2)
        pending = pending[~ok]
        birth[pending] -= np.timedelta64(1, "D")
        if pending.size and (birth[pending] < EPOCH).any():
            raise ValueError("身份证号顺序码已用尽。")
    return seq, birth


def _names(
    rng: np.random.Generator,
    state: GeneratorState,
    surname: Array,
    male: Array,
    birth_year: Array,
) -> tuple[list[str], list[str]]:
    n = len(surname)
    given = np.empty(n, dtype=object)
    for sex in ("M", "F"):
        for modern in (False, True):
            mask = (male == (sex == "M")) & ((birth_year >= 1980) == modern)
            k = int(mask.sum())
            if k:
                pool, p = state.given_pools[(sex, modern)]
                given[mask] = pool[rng.choice(len(pool), size=k, p=p)]
    surname_chars = np.array([s for s, _ in pools.SURNAMES], dtype=object)
    full = (surname_chars[surname] + given).tolist()
    cache = state.initials_cache
    for name in set(full) - cache.keys():
        cache[name] = initials(name)
    return full, [cache[name] for name in full]


def _phones(rng: np.random.Generator, age: Array) -> list[str]:
    n = len(age)
    has = np.where(age < 16, False, rng.random(n) < np.where(age >= 80, 0.45, 0.95))
    prefix = np.array(pools.MOBILE_PREFIXES)[rng.integers(0, len(pools.MOBILE_PREFIXES), n)]
    number = prefix.astype(np.int64) * 100_000_000 + rng.integers(0, 100_000_000, n)
    phones = _strings(_digits(number, 11))
    return [p if h else "" for p, h in zip(phones, has.tolist(), strict=True)]


def _addresses(rng: np.random.Generator, villages: list[Village], residence: Array) -> list[str]:
    n = len(residence)
    door = rng.integers(1, 400, n).tolist()
    building = rng.integers(1, 40, n).tolist()
    unit = rng.integers(1, 5, n).tolist()
    room = (rng.integers(1, 19, n) * 100 + rng.integers(1, 5, n)).tolist()
    out = []
    for i, v in enumerate(residence.tolist()):
        village = villages[v]
        if village.urban:
            out.append(f"{village.address}{building[i]}号楼{unit[i]}单元{room[i]}室")
        else:
            out.append(f"{village.address}{door[i]}号")
    return out


def generate_chunk(rng: np.random.Generator, state: GeneratorState, n: int) -> dict[str, Table]:
    """n households with everyone and everything in them, as tables for a bulk write."""
    villages = state.villages
    n_villages = len(villages)
    as_of = state.as_of
    urban_village = np.array([v.urban for v in villages])

    # Households: where registered, where living (8 % elsewhere in the county, mostly in
    # the county town's communities), and their shape.
    registered = rng.choice(n_villages, size=n, p=state.village_p)
    away = rng.random(n) < 0.08
    towards_town = np.where(urban_village, 4.0, 1.0) * state.village_p
    elsewhere = rng.choice(n_villages, size=n, p=towards_town / towards_town.sum())
    elsewhere = np.where(elsewhere == registered, (elsewhere + 1) % n_villages, elsewhere)
    residence = np.where(away, elsewhere, registered)
    urban_hh = urban_village[registered]
    template_of = rng.choice(len(TEMPLATES), size=n, p=_TEMPLATE_P)

    # People, sorted into household order with the head first.
    people = _compose(rng, template_of)
    hh = np.concatenate(people.hh)
    slot = np.concatenate(people.slot)
    order = np.lexsort((slot, hh))
    hh, slot = hh[order], slot[order]
    rel = np.concatenate(people.rel)[order]
    drawn_age = np.concatenate(people.age)[order]
    male = np.concatenate(people.male)[order]
    surname = np.concatenate(people.surname)[order]
    n_people = len(hh)
    size = np.bincount(hh, minlength=n)

    # Born elsewhere in Jinan: spouses and children-in-law married in more often.
    p_other = np.select([rel == _REL[S], rel == _REL[L]], [0.15, 0.2], 0.04)
    other_county = rng.random(n_people) < p_other
    region_idx = np.where(
        other_county & (len(state.id_regions) > 1),
        rng.integers(1, max(len(state.id_regions), 2), n_people),
        0,
    )
    birth = _birth_dates(rng, as_of, drawn_age)
    seq, birth = _assign_sequences(state, region_idx, birth, male)
    region_codes = np.array([int(c) for c in state.id_regions], dtype=np.int64)[region_idx]
    ids = id_numbers(region_codes, birth, seq)
    if len(set(ids)) != n_people:  # cannot happen by construction; refuse rather than skip
        raise ValueError("生成的身份证号出现重复。")
    age = _exact_age(birth, as_of)
    birth_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    names, name_initials = _names(rng, state, surname, male, birth_year)

    # Health and work. Disability and serious illness grow with age.
    disabled = rng.random(n_people) < np.select([age < 40, age < 60], [0.03, 0.065], 0.12)
    grade = np.where(disabled, rng.choice(4, size=n_people, p=_GRADE_P) + 1, 0)
    category = rng.choice(len(DISABILITY_CATEGORIES), size=n_people, p=_DISABILITY_P)
    ill = rng.random(n_people) < np.select([age < 40, age < 60], [0.01, 0.035], 0.06)
    no_labour = (age < 16) | (age >= 70) | ((grade >= 1) & (grade <= 2))
    partial = (age >= 60) | (grade >= 3) | ill
    labour = np.where(no_labour, 2, np.where(partial, 1, 0))

    # Household ids, numbers (village code + 5-digit sequence) and who is low-income.
    hh_ids = state.next_household_id + np.arange(n, dtype=np.int64)
    person_ids = state.next_person_id + np.arange(n_people, dtype=np.int64)
    hh_seq = state.household_seq[registered] + _rank_within(registered) + 1
    if n and hh_seq.max() > HOUSEHOLD_SEQ_MAX:
        raise ValueError("某村（社区）的户编号已超过99999。")
    np.maximum.at(state.household_seq, registered, hh_seq)
    numbers = [
        f"{villages[v].code}{s:05d}"
        for v, s in zip(registered.tolist(), hh_seq.tolist(), strict=True)
    ]

    def any_member(flag: Array) -> Array:
        return np.bincount(hh, weights=flag.astype(np.float64), minlength=n) > 0

    def count_members(flag: Array) -> Array:
        return np.bincount(hh, weights=flag.astype(np.float64), minlength=n)

    elderly = age >= 60
    earners = (age >= 16) & (age < 65) & (labour < 2)
    all_elderly = count_members(elderly) == size
    vulnerable = np.ones(n)
    vulnerable *= np.where(all_elderly, 3.0, 1.0)
    vulnerable *= np.where(any_member((grade >= 1) & (grade <= 2)), 2.5, 1.0)
    vulnerable *= np.where(any_member(ill), 2.0, 1.0)
    vulnerable *= np.where(_SINGLE_PARENT[template_of], 2.5, 1.0)
    vulnerable *= np.where(urban_hh, 0.7, 1.3)
    vulnerable *= np.where(count_members(earners & (labour == 0)) >= 2, 0.4, 1.0)
    p_low = (
        np.clip(vulnerable * (LOW_INCOME_SHARE / vulnerable.mean()), 0, 0.8) if n else vulnerable
    )
    low = rng.random(n) < p_low
    registered_poor = ~urban_hh & (rng.random(n) < np.where(low, 0.45, 0.08))

    incomes = _incomes(rng, n, hh, size, age, labour, low, urban_hh)
    assets = _assets(rng, n, hh, grade, category, low, urban_hh, incomes)

    # Membership start: the household formed after the head turned 20; children and
    # grandchildren joined at birth, a spouse or child-in-law at marriage (20 or older).
    head_birth = birth[slot == 0]
    span = np.maximum((np.datetime64(as_of, "D") - head_birth).astype(np.int64) - 20 * 365, 1)
    formed = head_birth + 20 * 365 + (rng.random(n) * span).astype(np.int64)
    married_in = np.isin(rel, [_REL[S], _REL[L]])
    start = np.maximum(formed[hh], birth + np.where(married_in, 20 * 365, 0))
    co_resident = ~((rel == _REL[C]) & (age >= 18) & (age <= 40) & (rng.random(n_people) < 0.08))

    # Registration: some spouses married in keep their registration outside the county.
    keeps_outside = other_county & np.isin(rel, [_REL[S], _REL[L]]) & (rng.random(n_people) < 0.35)
    village_ids = np.array([v.id for v in villages], dtype=np.int64)
    hukou = np.where(urban_hh[hh], HukouType.URBAN.value, HukouType.RURAL.value).tolist()

    tables = {
        "household": Table(
            "registry_household",
            [
                Column("id", "int", hh_ids),
                Column("number", "text", numbers),
                Column("registered_region_id", "int", village_ids[registered]),
                Column("residence_region_id", "int", village_ids[residence]),
                Column("registered_code", "text", [villages[v].code for v in registered.tolist()]),
                Column("residence_code", "text", [villages[v].code for v in residence.tolist()]),
                Column(
                    "area_type",
                    "text",
                    np.where(urban_hh, HukouType.URBAN.value, HukouType.RURAL.value).tolist(),
                ),
                Column("address", "text", _addresses(rng, villages, residence)),
                Column("registered_poor", "bool", registered_poor),
            ],
        ),
        "person": Table(
            "registry_person",
            [
                Column("id", "int", person_ids),
                Column("id_number", "text", ids),
                Column("id_suffix", "text", [i[-4:] for i in ids]),
                Column("name", "text", names),
                Column("name_initials", "text", name_initials),
                Column("sex", "text", np.where(male, "M", "F").tolist()),
                Column("birth_date", "date", birth),
                Column("phone", "text", _phones(rng, age)),
                Column(
                    "registered_region_id",
                    "nint",
                    np.where(keeps_outside, -1, village_ids[registered][hh]),
                ),
                Column("residence_region_id", "int", village_ids[residence][hh]),
                Column("hukou_type", "text", hukou),
                Column("disability_grade", "int", grade),
                Column(
                    "disability_category",
                    "text",
                    np.where(
                        grade > 0, np.array(DISABILITY_CATEGORIES, dtype=object)[category], ""
                    ).tolist(),
                ),
                Column("serious_illness", "bool", ill),
                Column("labour_capacity", "text", np.array(LABOUR, dtype=object)[labour].tolist()),
            ],
        ),
        "membership": Table(
            "registry_membership",
            [
                Column("id", "int", state.next_membership_id + np.arange(n_people)),
                Column("household_id", "int", hh_ids[hh]),
                Column("person_id", "int", person_ids),
                Column("relation", "text", np.array(RELATIONS, dtype=object)[rel].tolist()),
                Column("co_resident", "bool", co_resident),
                Column("start_date", "date", start),
                Column("end_date", "nint", np.full(n_people, -1)),
                Column("end_reason", "text", [""] * n_people),
            ],
        ),
    }
    first_person = np.r_[0, np.cumsum(size)[:-1]] if n else np.zeros(0, dtype=np.int64)
    inc_hh, inc_member, inc_cat, inc_fen = incomes
    tables["income"] = Table(
        "registry_income",
        [
            Column("id", "int", state.next_income_id + np.arange(len(inc_hh))),
            Column("household_id", "int", hh_ids[inc_hh]),
            Column("person_id", "nint", np.where(inc_member >= 0, person_ids[inc_member], -1)),
            Column("category", "text", np.array(INCOME_CATEGORIES, dtype=object)[inc_cat].tolist()),
            Column("monthly_amount", "text", plain_yuan_column(inc_fen)),
            Column(
                "note",
                "text",
                [INCOME_NOTES.get(INCOME_CATEGORIES[c], "") for c in inc_cat.tolist()],
            ),
        ],
    )
    ast_hh, ast_kind, ast_qty, ast_fen = assets
    tables["asset"] = Table(
        "registry_asset",
        [
            Column("id", "int", state.next_asset_id + np.arange(len(ast_hh))),
            Column("household_id", "int", hh_ids[ast_hh]),
            # Registered in the head's name.
            Column("person_id", "nint", person_ids[first_person[ast_hh]]),
            Column("kind", "text", np.array(ASSET_KINDS, dtype=object)[ast_kind].tolist()),
            Column("quantity", "int", ast_qty),
            Column("value", "text", plain_yuan_column(ast_fen)),
            Column(
                "note", "text", [ASSET_NOTES.get(ASSET_KINDS[k], "") for k in ast_kind.tolist()]
            ),
        ],
    )
    state.next_household_id += n
    state.next_person_id += n_people
    state.next_membership_id += n_people
    state.next_income_id += len(inc_hh)
    state.next_asset_id += len(ast_hh)
    return tables


def _incomes(
    rng: np.random.Generator,
    n: int,
    hh: Array,
    size: Array,
    age: Array,
    labour: Array,
    low: Array,
    urban_hh: Array,
) -> tuple[Array, Array, Array, Array]:
    """Income rows (household, member or −1, category, fen a month).

    First each household gets a per-capita target (below 700 yuan for the low-income ones,
    a right-skewed distribution above it for the rest); fixed items (pensions, subsidies)
    are set from the members' situation, and the remainder is spread over wages, business,
    property or support from children living elsewhere.
    """
    n_people = len(hh)
    person = np.arange(n_people)
    rows_hh: list[Array] = []
    rows_member: list[Array] = []
    rows_cat: list[Array] = []
    rows_yuan: list[Array] = []

    def add(where_hh: Array, member: Array, category: str, yuan: Array) -> None:
        rows_hh.append(where_hh)
        rows_member.append(member)
        rows_cat.append(np.full(len(where_hh), _INC[category]))
        rows_yuan.append(np.asarray(yuan, dtype=np.float64))

    target = (
        np.where(
            low,
            rng.uniform(60, LOW_INCOME_LINE - 10, n),
            LOW_INCOME_LINE + _lognormal(rng, np.where(urban_hh, 2100.0, 1000.0), 0.7, n),
        )
        * size
    )

    # Fixed items, by person.
    elderly = age >= 60
    urban_p = urban_hh[hh]
    low_p = low[hh]
    retired = elderly & urban_p & ~low_p & (rng.random(n_people) < 0.7)
    pension = np.clip(rng.normal(3000, 700, n_people), 1500, None)
    add(hh[retired], person[retired], IncomeCategory.PENSION, pension[retired])
    basic = elderly & ~retired & (rng.random(n_people) < 0.95)
    basic_amount = 188.0 + 20 * (age >= 75) + 20 * (age >= 80)
    add(hh[basic], person[basic], IncomeCategory.RESIDENT_BASIC_PENSION, basic_amount[basic])
    fixed = np.bincount(hh[retired], weights=pension[retired], minlength=n)
    fixed += np.bincount(hh[basic], weights=basic_amount[basic], minlength=n)

    # Fixed items, by household (attributed to the head, or to nobody).
    hh_idx = np.arange(n)
    head = np.r_[0, np.cumsum(size)[:-1]] if n else np.zeros(0, dtype=np.int64)
    none = np.full(n, -1)
    has_elderly = np.bincount(hh, weights=elderly.astype(float), minlength=n) > 0
    land = ~urban_hh & (rng.random(n) < 0.6)
    land_amount = rng.uniform(8, 40, n)
    add(hh_idx[land], none[land], IncomeCategory.TRANSFER, land_amount[land])
    fp = ~urban_hh & has_elderly & (rng.random(n) < 0.04)
    # Paid to the parents of an only child (or two daughters) once they turn 60.
    by_age = np.lexsort((-age, hh))
    eldest = by_age[np.r_[True, hh[by_age][1:] != hh[by_age][:-1]]] if n else head
    add(hh_idx[fp], eldest[fp], IncomeCategory.FAMILY_PLANNING_REWARD, np.full(int(fp.sum()), 80.0))
    veteran = ~low & (rng.random(n) < 0.005)
    veteran_amount = rng.uniform(500, 1500, n)
    add(hh_idx[veteran], head[veteran], IncomeCategory.VETERANS_CARE, veteran_amount[veteran])
    fixed += np.where(land, land_amount, 0) + np.where(fp, 80.0, 0)
    fixed += np.where(veteran, veteran_amount, 0)

    # The remainder, spread by weight over whoever brings it in.
    student = (age < 22) & (rng.random(n_people) < 0.7)
    can_work = (age >= 16) & (age < 65) & ~student & (labour < 2)
    # Partly able to work: lighter or seasonal work, less pay.
    wage_weight = can_work * np.where(labour == 0, 1.0, 0.4) * np.exp(rng.normal(0, 0.3, n_people))
    works = (wage_weight > 0) & (rng.random(n_people) < np.where(low_p, 0.6, 0.92))
    wage_weight = np.where(works, wage_weight, 0.0)
    business = rng.random(n) < np.where(low, 0.02, 0.12)
    rent = rng.random(n) < np.where(low, 0.0, 0.08)
    earned = np.bincount(hh, weights=wage_weight, minlength=n) + business + rent
    support = earned == 0
    weights_hh = {
        IncomeCategory.BUSINESS: np.where(business, 1.5 * np.exp(rng.normal(0, 0.4, n)), 0),
        IncomeCategory.PROPERTY: np.where(rent, 0.25 * np.exp(rng.normal(0, 0.4, n)), 0),
        IncomeCategory.SUPPORT_RECEIVED: np.where(support & has_elderly, 1.0, 0),
        IncomeCategory.OTHER: np.where(support & ~has_elderly, 1.0, 0),
    }
    total_weight = np.bincount(hh, weights=wage_weight, minlength=n)
    for w in weights_hh.values():
        total_weight = total_weight + w
    remainder = np.maximum(target - fixed, 0)
    # Earners in better-off households earn at least a modest wage even where pensions
    # already cover the target.
    remainder = np.where(low, remainder, np.maximum(remainder, 600 * (total_weight > 0)))
    share = np.divide(remainder, total_weight, out=np.zeros(n), where=total_weight > 0)
    wage = wage_weight * share[hh]
    paid = wage >= 30  # a few yuan of "wages" would be noise; drop them
    add(hh[paid], person[paid], IncomeCategory.WAGES, wage[paid])
    for category, w in weights_hh.items():
        amount = w * share
        keep = amount >= 30
        member = (
            head if category in (IncomeCategory.BUSINESS, IncomeCategory.SUPPORT_RECEIVED) else none
        )
        add(hh_idx[keep], member[keep], category, amount[keep])

    out_hh = np.concatenate(rows_hh) if rows_hh else np.zeros(0, dtype=np.int64)
    order = np.argsort(out_hh, kind="stable")
    return (
        out_hh[order],
        np.concatenate(rows_member)[order],
        np.concatenate(rows_cat)[order],
        fen_column(np.concatenate(rows_yuan)[order]),
    )


def _assets(
    rng: np.random.Generator,
    n: int,
    hh: Array,
    grade: Array,
    category: Array,
    low: Array,
    urban_hh: Array,
    incomes: tuple[Array, Array, Array, Array],
) -> tuple[Array, Array, Array, Array]:
    """Asset rows (household, kind, quantity, fen). Low-income households mostly have none."""
    rows: list[tuple[Array, str, Array, Array]] = []
    severe_physical = (grade >= 1) & (grade <= 2) & (category == 0)
    has_severe_physical = np.bincount(hh, weights=severe_physical.astype(float), minlength=n) > 0
    inc_hh, _, inc_cat, _ = incomes
    has_business = np.zeros(n, dtype=bool)
    has_business[inc_hh[inc_cat == _INC[IncomeCategory.BUSINESS]]] = True

    def draw(kind: str, p: Array, median: float, sigma: float, two: float = 0.0) -> None:
        own = rng.random(n) < p
        idx = np.flatnonzero(own)
        value = np.round(_lognormal(rng, median, sigma, idx.size), -2)
        qty = 1 + (rng.random(idx.size) < two)
        rows.append((idx, kind, qty, value * qty))

    draw(AssetKind.VEHICLE, np.where(low, 0.01, np.where(urban_hh, 0.38, 0.22)), 70_000, 0.5, 0.05)
    draw(
        AssetKind.MOTORBIKE_OR_FARM,
        np.where(urban_hh, 0.08, np.where(low, 0.25, 0.45)),
        5_000,
        0.5,
        0.1,
    )
    draw(AssetKind.ASSISTIVE_VEHICLE, np.where(has_severe_physical, 0.25, 0.0), 5_000, 0.3)
    draw(
        AssetKind.HOUSE,
        np.where(urban_hh, np.where(low, 0.5, 0.9), np.where(low, 0.01, 0.18)),
        450_000,
        0.4,
        0.08,
    )
    draw(AssetKind.DEPOSIT, np.where(low, 0.35, 0.7), 40_000, 1.0)
    # A low-income household's savings are small: scale that last draw down.
    idx, kind, qty, value = rows[-1]
    rows[-1] = (idx, kind, qty, np.where(low[idx], np.round(value / 12, -1), value))
    draw(AssetKind.SECURITIES, np.where(low, 0.0, np.where(urban_hh, 0.06, 0.01)), 30_000, 0.8)
    draw(AssetKind.COMMERCIAL_INSURANCE, np.where(low, 0.0, 0.1), 15_000, 0.7)
    draw(AssetKind.BUSINESS, np.where(has_business, 0.6, 0.0), 80_000, 0.9)

    out_hh = np.concatenate([r[0] for r in rows])
    order = np.argsort(out_hh, kind="stable")
    return (
        out_hh[order],
        np.concatenate([np.full(len(r[0]), _AST[r[1]]) for r in rows])[order],
        np.concatenate([r[2] for r in rows])[order].astype(np.int64),
        fen_column(np.concatenate([np.maximum(r[3], 100.0) for r in rows])[order]),
    )
