"""The nightly duplicate scan: DuckDB over the current members' plain columns.

Two rules, both for persons in different households:
- the same name and birth date;
- the same name and an ID number whose first 17 characters differ in exactly one digit (a
  mistyped registration; the check character then differs too, so it is left out).

ID numbers are sealed (core/crypto.py) and their digests only tell equal from unequal. The
scan does not decrypt the whole registry nor keep per-position digests: of the 17 digits,
the birth date (8) is the plain `birth_date` and the sequence (3) the plain `id_suffix`;
only the region (6) is sealed. So DuckDB selects the candidates on plain columns — same
name and sequence, birth dates one digit apart — and the job opens just those candidates'
numbers, in memory, to check the region digits and count the differences exactly. Nothing
opened is written anywhere. (Per-position masked digests would cost 17 keyed hashes per
person each night, or 17 stored digests per person, and would publish the whole registry's
one-digit neighbourhoods to anyone holding the table.)
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from jiuzhu.registry.models import DuplicateReason

COLUMNS = ["person_id", "household_id", "birth_ymd", "seq", "name"]
COLUMNS = ["person_id", "household_id", "birth_ymd", "seq", "name"]
BODY = 17  # an ID number less its check character
_DIGITS = 8  # of the birth date, YYYYMMDD

# Opens the sealed ID numbers of these persons: person id → ID number (in memory only).
Opener = Callable[[Iterable[int]], dict[int, str]]


def _one_digit_apart(left: str, right: str) -> str:
    """SQL: the two YYYYMMDD integers differ in exactly one digit."""
    terms = [
        f"CASE WHEN ({left} // {10**i}) % 10 <> ({right} // {10**i}) % 10 THEN 1 ELSE 0 END"
        for i in range(_DIGITS)
    ]
    return f"({' + '.join(terms)}) = 1"


SAME_NAME_BIRTH = (
    "SELECT a.person_id AS first, b.person_id AS second FROM people a JOIN people b "
    "ON a.name = b.name AND a.birth_ymd = b.birth_ymd "
    "WHERE a.person_id < b.person_id AND a.household_id <> b.household_id"
)
ONE_DIGIT_CANDIDATES = (
    "SELECT a.person_id AS first, b.person_id AS second FROM people a JOIN people b "
    "ON a.name = b.name AND a.seq = b.seq "
    "WHERE a.person_id < b.person_id AND a.household_id <> b.household_id "
    f"AND a.birth_ymd <> b.birth_ymd AND {_one_digit_apart('a.birth_ymd', 'b.birth_ymd')}"
)


def differ_by_one_digit(left: str, right: str) -> bool:
    """The two ID numbers' first 17 characters differ in exactly one place."""
    return sum(a != b for a, b in zip(left[:BODY], right[:BODY], strict=True)) == 1


@dataclass
class Found:
    pairs: list[tuple[int, int, str]]  # (first, second, reason), first < second
    candidates: int  # one-digit candidates whose numbers were opened
    seconds: float


def find(people: pa.Table, open_numbers: Opener) -> Found:
    """The pairs in `people` (person_id, household_id, birth_ymd, seq, name)."""
    started = time.perf_counter()
    con = duckdb.connect()
    try:
        # A view over the Arrow columns, not a copy: each join reads them where they are.
        con.register("people", people.select(COLUMNS))
        same = con.sql(SAME_NAME_BIRTH).to_arrow_table()
        candidates = con.sql(ONE_DIGIT_CANDIDATES).to_arrow_table()
    finally:
        con.close()
    pairs = [
        (int(a), int(b), DuplicateReason.NAME_BIRTH.value)
        for a, b in zip(same["first"].to_pylist(), same["second"].to_pylist(), strict=True)
    ]
    firsts = candidates["first"].to_numpy()
    seconds = candidates["second"].to_numpy()
    if len(firsts):
        numbers = open_numbers(np.unique(np.concatenate([firsts, seconds])).tolist())
        pairs += [
            (int(a), int(b), DuplicateReason.ONE_DIGIT.value)
            for a, b in zip(firsts.tolist(), seconds.tolist(), strict=True)
            if differ_by_one_digit(numbers[a], numbers[b])
        ]
        numbers.clear()
    return Found(sorted(pairs), len(firsts), time.perf_counter() - started)
