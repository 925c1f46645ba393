"""What the generator carries from chunk to chunk: villages, ID-number slots, name pools.

ID numbers are unique by construction: for every (region code, birth date, sex) the state
keeps the next free sequence slot (male 001, 003 … 999; female 002 … 998), carried from
chunk to chunk and started above the slots already used in the database.
"""

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from jiuzhu.demo import pools
from jiuzhu.demo.generator.arrays import Array
from jiuzhu.registry.bulk import id_number_columns

EPOCH = np.datetime64("1900-01-01", "D")  # the earliest birth date the slots cover
MALE_SLOTS = 500  # sequences 001, 003, …, 999
FEMALE_SLOTS = 499  # sequences 002, 004, …, 998


@dataclass(frozen=True)
class Village:
    """A village (or community) households are registered in and live in."""

    id: int
    code: str
    address: str  # town + village, the start of a street address: 东阿镇东阿村
    urban: bool


@dataclass
class GeneratorState:
    """What must carry over from chunk to chunk (and from what the database already holds)."""

    villages: list[Village]
    id_regions: tuple[str, ...]  # six-digit codes of birth places; the county's own first
    as_of: dt.date
    # Next free sequence slot per (ID region, birth day, sex); see the module docstring.
    id_slots: Array = field(default_factory=lambda: np.zeros(0, dtype=np.uint16))
    village_p: Array = field(default_factory=lambda: np.zeros(0))  # where households register
    given_pools: dict[tuple[str, bool], tuple[Array, Array]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.id_slots.size == 0:
            self.id_slots = np.zeros(len(self.id_regions) * self.n_days * 2, dtype=np.uint16)
        for sex in ("M", "F"):
            for modern in (False, True):
                names, weights = pools.given_name_pool(sex, modern)
                self.given_pools[(sex, modern)] = (np.array(names, dtype=object), weights)

    @property
    def n_days(self) -> int:
        """Days from EPOCH to as_of, both included: the birth dates slots exist for."""
        return int((np.datetime64(self.as_of, "D") - EPOCH).astype(int)) + 1

    def slot_key(self, region_idx: Array, day: Array, male: Array) -> Array:
        """Index into id_slots of (position in id_regions, days since EPOCH, male 0/1)."""
        return (region_idx.astype(np.int64) * self.n_days + day) * 2 + male

    def mark_used_ids(self, existing: list[str]) -> None:
        """Start every bucket above the sequences already taken by people in the database."""
        if not existing:
            return
        columns = id_number_columns(existing)
        ours = np.array([int(code) for code in self.id_regions])
        by_code = np.argsort(ours)
        found = np.searchsorted(ours[by_code], columns.region)
        region_idx = by_code[np.minimum(found, len(ours) - 1)]
        offset = (columns.birth_date - EPOCH).astype(np.int64)
        usable = (
            columns.well_formed
            & (ours[region_idx] == columns.region)
            & (offset >= 0)
            & (offset < self.n_days)
        )
        sequence = columns.sequence
        male = sequence % 2
        slot = np.where(male == 1, (sequence - 1) // 2, sequence // 2 - 1)
        keys = self.slot_key(region_idx[usable], offset[usable], male[usable])
        current = self.id_slots.astype(np.int64)
        np.maximum.at(current, keys, slot[usable] + 1)
        self.id_slots = np.minimum(current, MALE_SLOTS).astype(np.uint16)
