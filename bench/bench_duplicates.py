"""`python -m bench --size 3000000 --only duplicates`: the nightly duplicate scan
(registry/duplicates/scan.py) over N synthetic current members on DuckDB.

Names come from 120 surnames × 1,500 given names (so common names repeat as in a county),
births are spread over 1930-2019, sequence digits random; 0.1 % of persons get a planted
twin in another household (half with the same birth date, half with an ID number one birth
digit apart). ID numbers are sealed before timing; the timed scan opens only the
candidates' numbers (core.crypto.decrypt_many). Baseline: one DuckDB GROUP BY over the same
table (name, birth date), the floor any scan pays. Registry/bench both hand DuckDB
the Arrow columns as a view (no copy).
"""

import datetime as dt
import resource

import duckdb
import numpy as np
import pyarrow as pa

from bench.common import benchmark, record, setup_django, timer

SURNAMES = 120
GIVEN = 1500
PLANTED = 0.001


def generate(size: int, seed: int = 21) -> tuple[pa.Table, np.ndarray, int]:
    """(people table, ID numbers, planted pairs)."""
    from jiuzhu.core.idnumber import make

    rng = np.random.default_rng(seed)
    planted = int(size * PLANTED)
    base = size - planted
    surname = rng.zipf(1.6, base) % SURNAMES
    given = rng.integers(0, GIVEN, base)
    names = np.char.add(
        np.char.add("姓", surname.astype(str)), np.char.add("名", given.astype(str))
    )
    days = rng.integers(0, 90 * 365, base)
    birth = np.datetime64("1930-01-01") + days.astype("timedelta64[D]")
    seq = rng.integers(0, 1000, base)
    # The twins: copies of random persons, in a household of their own.
    source = rng.choice(base, planted, replace=False)
    twin_birth = birth[source].copy()
    # One birth digit apart: the day of the month moved so that one digit changes and the
    # date stays valid (…1-…7 up one, …2-…9 down one, 10/20 up one, 30/31 down ten).
    shifted = np.arange(planted) % 2 == 1
    dom = (twin_birth - twin_birth.astype("datetime64[M]")).astype(int) + 1
    last = dom % 10
    step = np.where(
        (last >= 1) & (last <= 7) & (dom <= 27),
        1,
        np.where(last >= 2, -1, np.where(dom < 30, 1, -10)),
    )
    twin_birth[shifted] = twin_birth[shifted] + step[shifted].astype("timedelta64[D]")
    all_names = np.concatenate([names, names[source]])
    all_birth = np.concatenate([birth, twin_birth])
    all_seq = np.concatenate([seq, seq[source]])
    ymd = all_birth.astype("datetime64[D]").astype(str).astype("U10")
    birth_ymd = np.char.replace(ymd, "-", "").astype(np.int64)
    numbers = np.array(
        [
            make("370124", dt.date(int(b) // 10000, int(b) // 100 % 100, int(b) % 100), int(s))
            for b, s in zip(birth_ymd.tolist(), all_seq.tolist(), strict=True)
        ],
        dtype=object,
    )
    person_id = np.arange(1, size + 1, dtype=np.int64)
    household = np.concatenate([np.arange(base) // 3, base // 3 + 1 + np.arange(planted)])
    table = pa.table(
        {
            "person_id": person_id,
            "household_id": household.astype(np.int64),
            "birth_ymd": birth_ymd,
            "seq": all_seq.astype(np.int64),
            "name": pa.array(all_names.tolist(), pa.string()),
        }
    )
    return table, numbers, planted


@benchmark("duplicates")
def run(size: int) -> None:
    setup_django()
    from jiuzhu.core import crypto
    from jiuzhu.registry.duplicates.scan import find

    people, numbers, planted = generate(size)
    sealed = np.array(crypto.encrypt_many(numbers.tolist()), dtype=object)
    del numbers

    def open_numbers(person_ids):
        ids = np.asarray(list(person_ids), dtype=np.int64)
        return dict(zip(ids.tolist(), crypto.decrypt_many(sealed[ids - 1].tolist()), strict=True))

    con = duckdb.connect()
    with timer() as floor:
        con.register("people", people)
        con.sql(
            "SELECT name, birth_ymd, COUNT(*) AS n FROM people GROUP BY name, birth_ymd"
        ).to_arrow_table()
    con.close()
    record("duplicates_floor", size, floor["seconds"])
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    with timer() as whole:
        found = find(people, open_numbers)
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    reasons: dict[str, int] = {}
    for _first, _second, reason in found.pairs:
        reasons[reason] = reasons.get(reason, 0) + 1
    record(
        "duplicates",
        size,
        whole["seconds"],
        baseline="duplicates_floor",
        baseline_seconds=floor["seconds"],
        planted=planted,
        pairs=reasons,
        opened=found.candidates,
        budget_seconds=10,
        cpu_seconds=round(cpu, 2),  # all threads: the figure a loaded machine does not inflate
    )
