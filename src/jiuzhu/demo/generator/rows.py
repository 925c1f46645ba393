"""A generated chunk as the registry's bulk writer takes it (`registry.bulk.RegistryBatch`).

The writer numbers the households, gives the ids and derives what the registry derives
(codes, initials, sex and birth date from the ID number); this module only turns the
generator's index columns into the registry's values (relations, categories, kinds).
"""

from dataclasses import dataclass

import numpy as np

from jiuzhu.demo.generator.arrays import Array, first_member
from jiuzhu.demo.generator.assets import ASSET_KINDS, ASSET_NOTES, Assets
from jiuzhu.demo.generator.households import RELATIONS
from jiuzhu.demo.generator.incomes import INCOME_CATEGORIES, INCOME_NOTES, Incomes
from jiuzhu.demo.generator.persons import DISABILITY_CATEGORIES, LABOUR, Health, phones
from jiuzhu.demo.generator.places import Places, addresses
from jiuzhu.demo.generator.state import GeneratorState
from jiuzhu.registry.bulk import (
    NO_ROW,
    AssetRows,
    HouseholdRows,
    IncomeRows,
    MemberRows,
    RegistryBatch,
)
from jiuzhu.registry.models import HukouType


@dataclass
class GeneratedChunk:
    """What generate_chunk drew, members in household order (the head first)."""

    places: Places
    registered_poor: Array
    member_household: Array
    relation: Array  # index into RELATIONS
    id_numbers: list[str]
    names: list[str]
    age: Array
    joined: Array
    co_resident: Array
    keeps_outside: Array  # registered outside the county
    health: Health
    incomes: Incomes
    assets: Assets


def _labels(labels: tuple[str, ...], index: Array) -> list[str]:
    """Index column → the labels' values (relations, categories, kinds)."""
    return list(np.array(labels, dtype=object)[index].tolist())


def _area_types(urban: Array) -> list[str]:
    return list(np.where(urban, HukouType.URBAN.value, HukouType.RURAL.value).tolist())


def _members(chunk: GeneratedChunk, phone_numbers: list[str]) -> MemberRows:
    """Everyone of the chunk: members live where their household lives and share its area
    type; those who keep an outside registration have no registered village."""
    household = chunk.member_household
    place, condition = chunk.places, chunk.health
    grade = condition.grade
    category = np.where(
        grade > 0, np.array(DISABILITY_CATEGORIES, dtype=object)[condition.category], ""
    )
    return MemberRows(
        household=household,
        id_number=chunk.id_numbers,
        name=chunk.names,
        relation=_labels(RELATIONS, chunk.relation),
        joined=chunk.joined,
        co_resident=chunk.co_resident,
        phone=phone_numbers,
        registered_village=np.where(chunk.keeps_outside, NO_ROW, place.registered[household]),
        residence_village=place.residence[household],
        hukou_type=_area_types(place.urban[household]),
        disability_grade=grade,
        disability_category=list(category.tolist()),
        serious_illness=condition.ill,
        labour_capacity=_labels(LABOUR, condition.labour),
    )


def registry_batch(
    rng: np.random.Generator, state: GeneratorState, chunk: GeneratedChunk
) -> RegistryBatch:
    """The chunk as a RegistryBatch; draws the addresses and then the phone numbers."""
    place = chunk.places
    address_lines = addresses(rng, state.villages, place.residence)
    phone_numbers = phones(rng, chunk.age)
    income, asset = chunk.incomes, chunk.assets
    income_categories = _labels(INCOME_CATEGORIES, income.category)
    asset_kinds = _labels(ASSET_KINDS, asset.kind)
    head = first_member(np.bincount(chunk.member_household, minlength=len(place.registered)))
    return RegistryBatch(
        households=HouseholdRows(
            registered_village=place.registered,
            residence_village=place.residence,
            area_type=_area_types(place.urban),
            address=address_lines,
            registered_poor=chunk.registered_poor,
        ),
        members=_members(chunk, phone_numbers),
        incomes=IncomeRows(
            household=income.household,
            person=income.member,
            category=income_categories,
            monthly_fen=income.monthly_fen,
            note=[INCOME_NOTES.get(category, "") for category in income_categories],
        ),
        assets=AssetRows(
            household=asset.household,
            person=head[asset.household],  # registered in the head's name
            kind=asset_kinds,
            quantity=asset.quantity,
            value_fen=asset.value_fen,
            note=[ASSET_NOTES.get(kind, "") for kind in asset_kinds],
        ),
    )
