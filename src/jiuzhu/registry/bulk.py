"""The registry's bulk writer: many households at once, with the rules of `create_household`.

For loads too large for one service call per household (the demo county, a benchmark, a
migration from another system). The caller hands in a `RegistryBatch` of columns: new
households, their members, incomes and assets, pointing at each other by row position.
`RegistryBulkWriter` gives the ids (above `max_used_id`, so rows point at each other
without reading anything back) and derives what `registry.services` derives on create:

- household number: the registered village's code + a five-digit sequence that continues
  the village's last number (as `services._next_number`); registered_code and
  residence_code: the two villages' codes (area scoping is a prefix match on them);
- person: the name stripped and its pinyin initials (`names.initials`), the ID number
  sealed with its digest (`core.crypto`), id_suffix (last four characters), sex and birth
  date read from the ID number (as `idnumber.parse`), the phone stripped; the membership
  is current (no end date);
- income and asset: amounts given in fen, written as yuan; notes stripped and cut to 100
  characters.

It checks the shape rules the services check, column-wise: valid ID numbers, one head per
household and at most `services.MAX_MEMBERS` members, known choices, disability grade and
category together, incomes and assets held by a member of their household. A broken rule
raises `DomainError` (Chinese) and nothing of the batch is written. No audit entry per row:
whoever runs a bulk load reports its totals.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Model
from django.db.models.functions import Substr

from jiuzhu.core import crypto
from jiuzhu.core.bulk import Column, PreparedTable, Table, max_used_id, prepare, timestamps
from jiuzhu.core.errors import DomainError
from jiuzhu.core.idnumber import CHECK_CHARS, WEIGHTS, mask
from jiuzhu.registry.models import (
    Asset,
    AssetKind,
    DisabilityCategory,
    Household,
    HukouType,
    Income,
    IncomeCategory,
    LabourCapacity,
    Membership,
    Person,
    Relation,
    Sex,
)
from jiuzhu.registry.names import initials
from jiuzhu.registry.services import MAX_MEMBERS

Array = np.ndarray[Any, Any]

# The tables a batch writes, in the order they are written (each points at earlier ones).
MODELS: tuple[type[Model], ...] = (Household, Person, Membership, Income, Asset)
VILLAGE_CODE_LENGTH = 12
HOUSEHOLD_SEQUENCE_MAX = 99_999  # five digits after the village code
NOTE_MAX = 100  # Income.note and Asset.note
NO_ROW = -1  # in an index column: no person (or no region), written as NULL


class VillageRef(Protocol):
    """A village the batch refers to by position: its region id and its 12-digit code."""

    @property
    def id(self) -> int: ...

    @property
    def code(self) -> str: ...


@dataclass
class HouseholdRows:
    """New households, one per row; villages are positions in the writer's `villages`."""

    registered_village: Array
    residence_village: Array
    area_type: list[str]  # HukouType
    address: list[str]
    registered_poor: Array


@dataclass
class MemberRows:
    """New people, one per row, each joining the household at row `household` of the batch."""

    household: Array
    id_number: list[str]
    name: list[str]
    relation: list[str]  # Relation
    joined: Array  # datetime64[D]: the membership's start date
    co_resident: Array
    phone: list[str]
    registered_village: Array  # NO_ROW: registered outside the county
    residence_village: Array
    hukou_type: list[str]  # HukouType
    disability_grade: Array  # 0 (none) to 4
    disability_category: list[str]  # DisabilityCategory, "" without a disability
    serious_illness: Array
    labour_capacity: list[str]  # LabourCapacity


@dataclass
class HeldRows:
    """Rows a household holds (incomes, assets), some in a member's name."""

    household: Array  # row of the batch's households
    person: Array  # row of the batch's members, or NO_ROW: the household as a whole
    note: list[str]


@dataclass
class IncomeRows(HeldRows):
    """Monthly incomes of the batch's households."""

    category: list[str]  # IncomeCategory
    monthly_fen: Array


@dataclass
class AssetRows(HeldRows):
    """Assets of the batch's households."""

    kind: list[str]  # AssetKind
    quantity: Array
    value_fen: Array


@dataclass
class RegistryBatch:
    """Everything one bulk write adds: households with their people, incomes and assets."""

    households: HouseholdRows
    members: MemberRows
    incomes: IncomeRows
    assets: AssetRows


# ---------------------------------------------------------------------------------------
# Reads the writer (and a generator continuing the registry) start from


@dataclass(frozen=True)
class IdNumberColumns:
    """ID numbers split into columns: what `idnumber.parse` reads from one, for many."""

    region: Array  # int64: the six-digit region code
    birth_date: Array  # datetime64[D]; 1970-01-01 where not well_formed
    sequence: Array  # int64: the three sequence digits (odd: male)
    well_formed: Array  # bool: 17 digits and a birth date that exists
    check_ok: Array  # bool: the 18th character is the right check character


def id_number_columns(values: Sequence[str]) -> IdNumberColumns:
    """Split ID numbers (18 characters each) into region, birth date, sequence and checks."""
    count = len(values)
    chars = np.array(values, dtype="U18").view(np.uint32).reshape(count, 18).astype(np.int64)
    digits = chars[:, :17] - ord("0")
    well_formed = ((digits >= 0) & (digits <= 9)).all(axis=1)
    powers = 10 ** np.arange(5, -1, -1)
    year = digits[:, 6:10] @ powers[2:]
    month = digits[:, 10:12] @ powers[4:]
    day = digits[:, 12:14] @ powers[4:]
    well_formed &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    first_of_month = (
        np.where(well_formed, year - 1970, 0).astype("datetime64[Y]").astype("datetime64[M]")
        + np.where(well_formed, month - 1, 0)
    ).astype("datetime64[D]")
    birth_date = first_of_month + np.where(well_formed, day - 1, 0)
    # 30 February rolls over into March: no such day.
    well_formed &= birth_date.astype("datetime64[M]") == first_of_month.astype("datetime64[M]")
    weighted_sum = (np.where(well_formed[:, None], digits, 0) * np.array(WEIGHTS)).sum(axis=1)
    expected_check = np.array([ord(c) for c in CHECK_CHARS])[weighted_sum % 11]
    return IdNumberColumns(
        region=digits[:, :6] @ powers,
        birth_date=np.where(well_formed, birth_date, np.datetime64("1970-01-01", "D")),
        sequence=digits[:, 14:17] @ powers[3:],
        well_formed=well_formed,
        check_ok=well_formed & (chars[:, 17] == expected_check),
    )


def used_id_numbers(region_codes: Sequence[str]) -> list[str]:
    """ID numbers already registered that start with one of the six-digit region codes.

    The numbers are sealed, so every one is opened and compared here; only a load that
    continues a registry pays for it (about 3 µs a person)."""
    if not region_codes or not Person.objects.exists():
        return []
    codes = set(region_codes)
    sealed = Person.objects.values_list("id_number", flat=True).iterator(chunk_size=20_000)
    return [number for number in sealed if number[:6] in codes]


def last_household_sequences(village_codes: Sequence[str]) -> Array:
    """The last five-digit household sequence used in each village (0: none yet)."""
    last = np.zeros(len(village_codes), dtype=np.int64)
    if not Household.objects.exists():
        return last
    position = {code: i for i, code in enumerate(village_codes)}
    numbers = (
        Household.objects.annotate(village=Substr("number", 1, VILLAGE_CODE_LENGTH))
        .values("village")
        .annotate(last=Max("number"))
        .values_list("village", "last")
    )
    for village, number in numbers:
        sequence = number[VILLAGE_CODE_LENGTH:]
        if village in position and sequence.isdigit():
            last[position[village]] = int(sequence)
    return last


# ---------------------------------------------------------------------------------------
# Checks (the services' rules, column-wise)


def rank_within(keys: Array) -> Array:
    """Position of each element among the earlier elements with the same key (0, 1, 2 …)."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(keys)), 0))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(keys)) - group_start
    return rank


def _require_choices(values: list[str], choices: list[str], message: str) -> None:
    if not set(values) <= set(choices):
        raise DomainError(message)


def _check_members(households: int, members: MemberRows, ids: IdNumberColumns) -> None:
    if not ids.check_ok.all():
        first_bad = members.id_number[int(np.argmin(ids.check_ok))]
        raise DomainError(f"身份证号 {mask(first_bad, 'partial')} 无效。")
    _require_choices(members.relation, Relation.values, "与户主关系无效。")
    _require_choices(members.hukou_type, HukouType.values, "户口性质无效。")
    _require_choices(members.labour_capacity, LabourCapacity.values, "劳动能力无效。")
    _require_choices(members.disability_category, DisabilityCategory.values, "残疾类别无效。")
    is_head = np.array(members.relation, dtype=object) == Relation.HEAD.value
    if (np.bincount(members.household[is_head], minlength=households) != 1).any():
        raise DomainError("一户应有且只有一名户主。")
    if (np.bincount(members.household, minlength=households) > MAX_MEMBERS).any():
        raise DomainError(f"家庭成员最多{MAX_MEMBERS}人。")
    grade = members.disability_grade
    if ((grade < 0) | (grade > 4)).any():
        raise DomainError("残疾等级应为0-4。")
    has_category = np.array(members.disability_category, dtype=object) != ""
    if ((grade > 0) != has_category).any():
        raise DomainError("残疾等级与残疾类别应同时填写。")
    if any(not name.strip() or len(name.strip()) > 40 for name in set(members.name)):
        raise DomainError("姓名不能为空，最多40字。")


def _check_held_by_members(household: Array, person: Array, members: MemberRows) -> None:
    """An income or asset in a person's name belongs to that person's household."""
    named = person != NO_ROW
    if (members.household[person[named]] != household[named]).any():
        raise DomainError("所选人员不是本户成员。")


def check_batch(batch: RegistryBatch) -> IdNumberColumns:
    """Refuse a batch that breaks a registry rule; returns its members' ID number columns."""
    households = len(batch.households.area_type)
    _require_choices(batch.households.area_type, HukouType.values, "城乡类别无效。")
    ids = id_number_columns(batch.members.id_number)
    _check_members(households, batch.members, ids)
    incomes, assets = batch.incomes, batch.assets
    _require_choices(incomes.category, IncomeCategory.values, "收入类别无效。")
    _require_choices(assets.kind, AssetKind.values, "财产类别无效。")
    if (incomes.monthly_fen < 0).any() or (assets.value_fen < 0).any():
        raise DomainError("金额不能为负数。")
    if ((assets.quantity < 1) | (assets.quantity > 1000)).any():
        raise DomainError("数量应为1-1000。")
    _check_held_by_members(incomes.household, incomes.person, batch.members)
    _check_held_by_members(assets.household, assets.person, batch.members)
    return ids


# ---------------------------------------------------------------------------------------
# The writer


def _notes(values: list[str]) -> list[str]:
    """Notes as add_income and add_asset keep them: stripped, at most 100 characters."""
    kept = {value: value.strip()[:NOTE_MAX] for value in set(values)}
    return [kept[value] for value in values]


def _ids_or_null(ids: Array, positions: Array) -> Array:
    """The ids at `positions`, NO_ROW (NULL) where the position is NO_ROW."""
    return np.where(positions != NO_ROW, ids[np.maximum(positions, 0)], NO_ROW)


class RegistryBulkWriter:
    """Writes `RegistryBatch`es into the registry, giving ids and household numbers.

    Create one per load (it reads the highest ids and the villages' last household numbers
    once) and call `write` for each batch, then `finish` once.
    """

    def __init__(self, villages: Sequence[VillageRef]) -> None:
        self.village_ids = np.array([v.id for v in villages], dtype=np.int64)
        self.village_codes = np.array([v.code for v in villages], dtype=object)
        self.next_id = {model: max_used_id(model) + 1 for model in MODELS}
        self.household_sequences = last_household_sequences([v.code for v in villages])
        self._name_and_initials: dict[str, tuple[str, str]] = {}

    @property
    def next_household_id(self) -> int:
        """The id the next household written will get."""
        return self.next_id[Household]

    def write(self, batch: RegistryBatch) -> None:
        """Check the batch, then write it in one transaction (COPY on PostgreSQL)."""
        self.write_prepared(self.prepare(batch))

    def prepare(self, batch: RegistryBatch) -> list[PreparedTable]:
        """Check the batch, give its ids and encode its tables; reads no database, so a
        load may prepare the next batch on another thread while this one is written."""
        stamps = timestamps()
        return [
            prepare(table, stamps if model in (Household, Person) else {})
            for model, table in zip(MODELS, self.tables(batch), strict=True)
        ]

    def write_prepared(self, tables: list[PreparedTable]) -> None:
        """Write a prepared batch in one transaction."""
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # A lost batch after a crash is reloaded; no need to wait for the disk.
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            for table in tables:
                table.write()

    def tables(self, batch: RegistryBatch) -> list[Table]:
        """The batch as the five tables to write, in `MODELS` order, with derived fields.
        The ids are given here: batches are written in the order they are made."""
        ids = check_batch(batch)
        households = len(batch.households.area_type)
        household_ids = self.next_id[Household] + np.arange(households, dtype=np.int64)
        person_ids = self.next_id[Person] + np.arange(len(batch.members.id_number), dtype=np.int64)
        tables = [
            self._household_table(batch.households, household_ids),
            self._person_table(batch.members, ids, person_ids),
            self._membership_table(batch.members, household_ids, person_ids),
            self._income_table(batch.incomes, household_ids, person_ids),
            self._asset_table(batch.assets, household_ids, person_ids),
        ]
        for model, table in zip(MODELS, tables, strict=True):
            self.next_id[model] += table.rows
        return tables

    def finish(self) -> None:
        """After the last batch on PostgreSQL: sequences past the ids given, fresh statistics
        and a visibility map."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(MODELS)):
                cursor.execute(sql)
            # So the planner sees millions of rows, not an empty table; outside a transaction
            # VACUUM marks the new pages all-visible: the searches' index-only scans
            # (person_suffix, one_current_household, household_area) then read no table row.
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            for model in MODELS:
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")

    def household_numbers(self, registered_village: Array) -> list[str]:
        """Numbers for new households: village code + the village's next sequences, in order."""
        sequence = self.household_sequences[registered_village] + rank_within(registered_village)
        sequence += 1
        if sequence.size and sequence.max() > HOUSEHOLD_SEQUENCE_MAX:
            raise DomainError("某村（社区）的户编号已超过99999。")
        np.maximum.at(self.household_sequences, registered_village, sequence)
        codes = self.village_codes[registered_village].tolist()
        return [f"{code}{seq:05d}" for code, seq in zip(codes, sequence.tolist(), strict=True)]

    def _household_table(self, rows: HouseholdRows, household_ids: Array) -> Table:
        registered, residence = rows.registered_village, rows.residence_village
        return Table(
            Household._meta.db_table,
            [
                Column("id", "int", household_ids),
                Column("number", "text", self.household_numbers(registered)),
                Column("registered_region_id", "int", self.village_ids[registered]),
                Column("residence_region_id", "int", self.village_ids[residence]),
                Column("registered_code", "text", self.village_codes[registered].tolist()),
                Column("residence_code", "text", self.village_codes[residence].tolist()),
                Column("area_type", "text", rows.area_type),
                Column("address", "text", [address.strip() for address in rows.address]),
                Column("registered_poor", "bool", rows.registered_poor),
            ],
            binary=True,
        )

    def _names(self, names: list[str]) -> tuple[list[str], list[str]]:
        """Names stripped and their pinyin initials, as services._create_person keeps them."""
        cache = self._name_and_initials
        for name in set(names) - cache.keys():
            stripped = name.strip()
            cache[name] = (stripped, initials(stripped))
        pairs = [cache[name] for name in names]
        return [pair[0] for pair in pairs], [pair[1] for pair in pairs]

    def _person_table(self, rows: MemberRows, ids: IdNumberColumns, person_ids: Array) -> Table:
        names, name_initials = self._names(rows.name)
        male = ids.sequence % 2 == 1
        return Table(
            Person._meta.db_table,
            [
                Column("id", "int", person_ids),
                Column("id_number", "text", crypto.encrypt_many(rows.id_number)),
                Column("id_digest", "text", crypto.digest_many(rows.id_number)),
                Column("id_suffix", "text", [number[-4:] for number in rows.id_number]),
                Column("name", "text", names),
                Column("name_initials", "text", name_initials),
                Column("sex", "text", np.where(male, Sex.MALE.value, Sex.FEMALE.value).tolist()),
                Column("birth_date", "date", ids.birth_date),
                Column("phone", "text", [phone.strip() for phone in rows.phone]),
                Column(
                    "registered_region_id",
                    "nint",
                    _ids_or_null(self.village_ids, rows.registered_village),
                ),
                Column("residence_region_id", "int", self.village_ids[rows.residence_village]),
                Column("hukou_type", "text", rows.hukou_type),
                Column("disability_grade", "int", rows.disability_grade),
                Column("disability_category", "text", rows.disability_category),
                Column("serious_illness", "bool", rows.serious_illness),
                Column("labour_capacity", "text", rows.labour_capacity),
            ],
            binary=True,
        )

    def _membership_table(self, rows: MemberRows, household_ids: Array, person_ids: Array) -> Table:
        count = len(person_ids)
        return Table(
            Membership._meta.db_table,
            [
                Column("id", "int", self.next_id[Membership] + np.arange(count, dtype=np.int64)),
                Column("household_id", "int", household_ids[rows.household]),
                Column("person_id", "int", person_ids),
                Column("relation", "text", rows.relation),
                Column("co_resident", "bool", rows.co_resident),
                Column("start_date", "date", rows.joined),
                Column("end_date", "nint", np.full(count, NO_ROW)),  # current
                Column("end_reason", "text", [""] * count),
            ],
            binary=True,
        )

    def _held_table(
        self,
        model: type[Model],
        rows: HeldRows,
        own_columns: list[Column],
        household_ids: Array,
        person_ids: Array,
    ) -> Table:
        """An income or asset table: id, household, person (or NULL), its own columns, note."""
        count = len(rows.household)
        return Table(
            model._meta.db_table,
            [
                Column("id", "int", self.next_id[model] + np.arange(count, dtype=np.int64)),
                Column("household_id", "int", household_ids[rows.household]),
                Column("person_id", "nint", _ids_or_null(person_ids, rows.person)),
                *own_columns,
                Column("note", "text", _notes(rows.note)),
            ],
            binary=True,
        )

    def _income_table(self, rows: IncomeRows, household_ids: Array, person_ids: Array) -> Table:
        own_columns = [
            Column("category", "text", rows.category),
            Column("monthly_amount", "fen", rows.monthly_fen),
        ]
        return self._held_table(Income, rows, own_columns, household_ids, person_ids)

    def _asset_table(self, rows: AssetRows, household_ids: Array, person_ids: Array) -> Table:
        own_columns = [
            Column("kind", "text", rows.kind),
            Column("quantity", "int", rows.quantity),
            Column("value", "fen", rows.value_fen),
        ]
        return self._held_table(Asset, rows, own_columns, household_ids, person_ids)
