"""One chunk of households, generated column-wise: `generate_chunk`.

The draws happen in a fixed order (places, shapes, people, health, who is low-income,
incomes, assets, memberships, addresses, phones): everything follows from the random
generator handed in, so a seed reproduces the county exactly. Changing that order changes
the demo county (tests/demo checks a digest of it).
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np

from jiuzhu.demo.generator import households as shapes
from jiuzhu.demo.generator.arrays import Array, count_per_household
from jiuzhu.demo.generator.assets import assets
from jiuzhu.demo.generator.households import RELATION_INDEX, TEMPLATES, compose
from jiuzhu.demo.generator.incomes import (
    LOW_INCOME_SHARE,
    HouseholdsAndMembers,
    incomes,
)
from jiuzhu.demo.generator.persons import (
    FULL_LABOUR,
    NO_LABOUR,
    Health,
    assign_sequences,
    birth_dates,
    birth_regions,
    exact_age,
    health,
    id_numbers,
    names,
)
from jiuzhu.demo.generator.places import places
from jiuzhu.demo.generator.rows import GeneratedChunk, registry_batch
from jiuzhu.demo.generator.state import GeneratorState
from jiuzhu.registry.bulk import RegistryBatch
from jiuzhu.registry.models import Relation

SPOUSE = RELATION_INDEX[Relation.SPOUSE]
CHILD = RELATION_INDEX[Relation.CHILD]
CHILD_IN_LAW = RELATION_INDEX[Relation.CHILD_IN_LAW]
ADULT_DAYS = 20 * 365  # a household forms, or someone marries into it, from about 20


@dataclass
class Members:
    """Everyone of the chunk in household order, the head first."""

    household: Array
    slot: Array
    relation: Array  # index into households.RELATIONS
    drawn_age: Array
    male: Array
    surname: Array

    @classmethod
    def of(cls, people: shapes.People) -> "Members":
        """The composed people sorted by household, then by slot (the head first)."""
        household = np.concatenate(people.household)
        slot = np.concatenate(people.slot)
        order = np.lexsort((slot, household))
        return cls(
            household=household[order],
            slot=slot[order],
            relation=np.concatenate(people.relation)[order],
            drawn_age=np.concatenate(people.age)[order],
            male=np.concatenate(people.male)[order],
            surname=np.concatenate(people.surname)[order],
        )


def _low_income(
    rng: np.random.Generator,
    members: Members,
    age: Array,
    condition: Health,
    urban: Array,
    template_of: Array,
) -> Array:
    """Which households are low-income: ~LOW_INCOME_SHARE overall, likelier the more
    vulnerable the household (all elderly, severe disability, illness, single parent,
    rural, few people able to work)."""
    count = len(template_of)
    household = members.household
    grade, ill, labour = condition.grade, condition.ill, condition.labour
    size = np.bincount(household, minlength=count)
    earners = (age >= 16) & (age < 65) & (labour != NO_LABOUR)
    vulnerable = np.ones(count)
    vulnerable *= np.where(count_per_household(household, age >= 60, count) == size, 3.0, 1.0)
    severe = (grade >= 1) & (grade <= 2)
    vulnerable *= np.where(count_per_household(household, severe, count) > 0, 2.5, 1.0)
    vulnerable *= np.where(count_per_household(household, ill, count) > 0, 2.0, 1.0)
    vulnerable *= np.where(shapes.SINGLE_PARENT[template_of], 2.5, 1.0)
    vulnerable *= np.where(urban, 0.7, 1.3)
    full_earners = count_per_household(household, earners & (labour == FULL_LABOUR), count)
    vulnerable *= np.where(full_earners >= 2, 0.4, 1.0)
    p_low = (
        np.clip(vulnerable * (LOW_INCOME_SHARE / vulnerable.mean()), 0, 0.8)
        if count
        else vulnerable
    )
    low: Array = rng.random(count) < p_low
    return low


def _joined(rng: np.random.Generator, members: Members, birth: Array, as_of: dt.date) -> Array:
    """Membership start: the household formed after the head turned 20; children and
    grandchildren joined at birth, a spouse or child-in-law at marriage (20 or older)."""
    head_birth = birth[members.slot == 0]
    span = np.maximum((np.datetime64(as_of, "D") - head_birth).astype(np.int64) - ADULT_DAYS, 1)
    formed = head_birth + ADULT_DAYS + (rng.random(len(head_birth)) * span).astype(np.int64)
    married_in = np.isin(members.relation, [SPOUSE, CHILD_IN_LAW])
    return np.maximum(formed[members.household], birth + np.where(married_in, ADULT_DAYS, 0))


def _identities(
    rng: np.random.Generator, state: GeneratorState, members: Members
) -> tuple[Array, list[str], Array, Array]:
    """Who was born outside the county, ID numbers, birth dates (a day earlier where that
    day's sequence numbers are used up) and exact ages."""
    born_elsewhere, region_idx = birth_regions(rng, state, members.relation)
    birth = birth_dates(rng, state.as_of, members.drawn_age)
    sequence, birth = assign_sequences(state, region_idx, birth, members.male)
    region_codes = np.array([int(c) for c in state.id_regions], dtype=np.int64)[region_idx]
    ids = id_numbers(region_codes, birth, sequence)
    if len(set(ids)) != len(ids):  # cannot happen by construction; refuse rather than skip
        raise ValueError("生成的身份证号出现重复。")
    return born_elsewhere, ids, birth, exact_age(birth, state.as_of)


def generate_chunk(
    rng: np.random.Generator, state: GeneratorState, households: int
) -> RegistryBatch:
    """`households` households with everyone and everything in them, as a batch for the
    registry's bulk writer (registry/bulk.py), which numbers them and gives the ids."""
    where = places(rng, state, households)
    template_of = rng.choice(len(TEMPLATES), size=households, p=shapes.TEMPLATE_P)
    members = Members.of(compose(rng, template_of))
    count = len(members.household)

    born_elsewhere, ids, birth, age = _identities(rng, state, members)
    full_names = names(rng, state, members.surname, members.male, birth)
    condition = health(rng, age)

    low = _low_income(rng, members, age, condition, where.urban, template_of)
    registered_poor = ~where.urban & (rng.random(households) < np.where(low, 0.45, 0.08))
    size = np.bincount(members.household, minlength=households)
    household_incomes = incomes(
        rng, HouseholdsAndMembers(members.household, age, condition.labour, size, where.urban, low)
    )
    household_assets = assets(
        rng,
        members.household,
        condition.grade,
        condition.category,
        low,
        where.urban,
        household_incomes,
    )
    joined = _joined(rng, members, birth, state.as_of)
    # Grown children who work or study elsewhere.
    away_child = (members.relation == CHILD) & (age >= 18) & (age <= 40)
    co_resident = ~(away_child & (rng.random(count) < 0.08))
    # Some who married in keep their registration outside the county.
    married_in = np.isin(members.relation, [SPOUSE, CHILD_IN_LAW])
    keeps_outside = born_elsewhere & married_in & (rng.random(count) < 0.35)
    return registry_batch(
        rng,
        state,
        GeneratedChunk(
            places=where,
            registered_poor=registered_poor,
            member_household=members.household,
            relation=members.relation,
            id_numbers=ids,
            names=full_names,
            age=age,
            joined=joined,
            co_resident=co_resident,
            keeps_outside=keeps_outside,
            health=condition,
            incomes=household_incomes,
            assets=household_assets,
        ),
    )
