"""People: birth dates and ID numbers, names, phones, health and capacity to work."""

import datetime as dt
from dataclasses import dataclass

import numpy as np

from jiuzhu.core.idnumber import CHECK_CHARS, WEIGHTS
from jiuzhu.demo import pools
from jiuzhu.demo.generator.arrays import Array, digits, strings
from jiuzhu.demo.generator.households import RELATION_INDEX
from jiuzhu.demo.generator.state import EPOCH, FEMALE_SLOTS, MALE_SLOTS, GeneratorState
from jiuzhu.registry.bulk import rank_within
from jiuzhu.registry.models import DisabilityCategory, LabourCapacity, Relation

# Jinan's other county-level codes: people born elsewhere in the city who live here.
JINAN_OTHER_CODES = (
    "370102", "370103", "370104", "370105", "370112", "370113", "370114", "370115",
    "370116", "370117", "370126",
)  # fmt: skip
DISABILITY_CATEGORIES = (
    DisabilityCategory.PHYSICAL,
    DisabilityCategory.HEARING,
    DisabilityCategory.VISUAL,
    DisabilityCategory.INTELLECTUAL,
    DisabilityCategory.MENTAL,
    DisabilityCategory.MULTIPLE,
    DisabilityCategory.SPEECH,
)
DISABILITY_P = np.array([0.36, 0.20, 0.13, 0.10, 0.10, 0.08, 0.03])
GRADE_P = np.array([0.12, 0.22, 0.28, 0.38])  # grades 1-4; 1 is the most severe
# Capacity to work, by index: 0 full, 1 partial, 2 none.
LABOUR = (LabourCapacity.FULL, LabourCapacity.PARTIAL, LabourCapacity.NONE)
FULL_LABOUR, PARTIAL_LABOUR, NO_LABOUR = range(3)
DAYS_A_YEAR = 365.2425


def birth_regions(
    rng: np.random.Generator, state: GeneratorState, relation: Array
) -> tuple[Array, Array]:
    """Who was born outside the county, and the position in state.id_regions of each
    person's birth place (0: the county itself).

    Spouses and children-in-law, who married in, are more often born elsewhere in Jinan.
    """
    spouse = relation == RELATION_INDEX[Relation.SPOUSE]
    child_in_law = relation == RELATION_INDEX[Relation.CHILD_IN_LAW]
    born_elsewhere_p = np.select([spouse, child_in_law], [0.15, 0.2], 0.04)
    born_elsewhere = rng.random(len(relation)) < born_elsewhere_p
    regions = len(state.id_regions)
    region_idx = np.where(
        born_elsewhere & (regions > 1), rng.integers(1, max(regions, 2), len(relation)), 0
    )
    return born_elsewhere, region_idx


def birth_dates(rng: np.random.Generator, as_of: dt.date, age: Array) -> Array:
    """A birth date at which the person is exactly `age` years old on `as_of`."""
    low = np.ceil(age * DAYS_A_YEAR).astype(np.int64) + 1
    high = np.floor((age + 1) * DAYS_A_YEAR).astype(np.int64) - 1
    days_ago = low + (rng.random(len(age)) * (high - low + 1)).astype(np.int64)
    return np.datetime64(as_of, "D") - days_ago


def _year_month_day(dates: Array) -> tuple[Array, Array, Array]:
    year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    return year, month, day


def exact_age(birth: Array, as_of: dt.date) -> Array:
    """Age in whole years on `as_of`."""
    year, month, day = _year_month_day(birth)
    before_birthday = (month > as_of.month) | ((month == as_of.month) & (day > as_of.day))
    return as_of.year - year - before_birthday


def assign_sequences(
    state: GeneratorState, region_idx: Array, birth: Array, male: Array
) -> tuple[Array, Array]:
    """Sequence digits for each person; a full bucket moves the birth date a day earlier."""
    birth = birth.copy()
    sequence = np.zeros(len(birth), dtype=np.int64)
    pending = np.arange(len(birth))
    capacity = np.where(male, MALE_SLOTS, FEMALE_SLOTS)
    while pending.size:
        day = (birth[pending] - EPOCH).astype(np.int64)
        keys = state.slot_key(region_idx[pending], day, male[pending])
        slot = state.id_slots[keys].astype(np.int64) + rank_within(keys)
        used_keys, counts = np.unique(keys, return_counts=True)
        state.id_slots[used_keys] = np.minimum(
            state.id_slots[used_keys].astype(np.int64) + counts, MALE_SLOTS
        ).astype(np.uint16)
        fits = slot < capacity[pending]
        done = pending[fits]
        sequence[done] = np.where(male[done], 2 * slot[fits] + 1, 2 * slot[fits] + 2)
        pending = pending[~fits]
        birth[pending] -= np.timedelta64(1, "D")
        if pending.size and (birth[pending] < EPOCH).any():
            raise ValueError("身份证号顺序码已用尽。")
    return sequence, birth


def id_numbers(region_codes: Array, birth: Array, sequence: Array) -> list[str]:
    """Vectorised idnumber.make: region (6) + birth date (8) + sequence (3) + check."""
    year, month, day = _year_month_day(birth)
    first17 = np.concatenate(
        [
            digits(region_codes, 6),
            digits(year * 10000 + month * 100 + day, 8),
            digits(sequence, 3),
        ],
        axis=1,
    )
    weighted_sum = ((first17.astype(np.int64) - ord("0")) * np.array(WEIGHTS)).sum(axis=1)
    check = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8)[weighted_sum % 11]
    return strings(np.concatenate([first17, check[:, None]], axis=1))


def names(
    rng: np.random.Generator, state: GeneratorState, surname: Array, male: Array, birth: Array
) -> list[str]:
    """Full names: the surname drawn with the household, a given name by sex and generation."""
    birth_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    given = np.empty(len(surname), dtype=object)
    for sex in ("M", "F"):
        for modern in (False, True):
            chosen = (male == (sex == "M")) & ((birth_year >= 1980) == modern)
            count = int(chosen.sum())
            if count:
                pool, weights = state.given_pools[(sex, modern)]
                given[chosen] = pool[rng.choice(len(pool), size=count, p=weights)]
    surname_chars = np.array([name for name, _ in pools.SURNAMES], dtype=object)
    return list((surname_chars[surname] + given).tolist())


def phones(rng: np.random.Generator, age: Array) -> list[str]:
    """Mobile numbers; children have none, and fewer of the very old have one."""
    count = len(age)
    has_phone = np.where(age < 16, False, rng.random(count) < np.where(age >= 80, 0.45, 0.95))
    prefix = np.array(pools.MOBILE_PREFIXES)[rng.integers(0, len(pools.MOBILE_PREFIXES), count)]
    number = prefix.astype(np.int64) * 100_000_000 + rng.integers(0, 100_000_000, count)
    return [
        phone if has else ""
        for phone, has in zip(strings(digits(number, 11)), has_phone.tolist(), strict=True)
    ]


@dataclass
class Health:
    """Disability (grade 0 = none; category an index into DISABILITY_CATEGORIES), serious
    illness and capacity to work (an index into LABOUR) of each person."""

    grade: Array
    category: Array
    ill: Array
    labour: Array


def health(rng: np.random.Generator, age: Array) -> Health:
    """Disability and serious illness grow with age; so does the loss of capacity to work."""
    count = len(age)
    disabled = rng.random(count) < np.select([age < 40, age < 60], [0.03, 0.065], 0.12)
    grade = np.where(disabled, rng.choice(4, size=count, p=GRADE_P) + 1, 0)
    category = rng.choice(len(DISABILITY_CATEGORIES), size=count, p=DISABILITY_P)
    ill = rng.random(count) < np.select([age < 40, age < 60], [0.01, 0.035], 0.06)
    severe = (grade >= 1) & (grade <= 2)
    cannot_work = (age < 16) | (age >= 70) | severe
    partly = (age >= 60) | (grade >= 3) | ill
    labour = np.where(cannot_work, NO_LABOUR, np.where(partly, PARTIAL_LABOUR, FULL_LABOUR))
    return Health(grade=grade, category=category, ill=ill, labour=labour)
