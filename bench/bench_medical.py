"""Medical assistance: the formula over a year's bills, and the bureau extract's parse.

medical_compute  formulas.assistance over N bills of N/3 people (deductible, share and
                 cap with year-to-date per person), columns in memory
medical_explain  formulas.explain_one for a page of the same bills (50), as a bill list
                 renders them (measured with medical_compute)
medical_parse    importer.read of an N-row CSV extract: pyarrow's reader, every check over
                 columns (amounts, dates, parts adding up), no database; rows/s and MB/s
medical_import   the whole import of an N-row extract into its own database, the work of
                 the background task: read and check, people by ID digest (a temporary
                 table joined in SQL), categories on the discharge day, year so far, the
                 cap computation, binary COPY into medical_bill and the commit (goal ≥ 1M
                 rows/s); the bills are 10 a person for the heads of N/10 dibao households
                 (bench_policy.fill_registry and bench_payroll.fill_recipients). Baseline:
                 the physical write floor (bench.common.write_floor: the same rows copied
                 in binary into a table without index or key). Beside it, by stage:
medical_import_parse   importer.read of the extract (parse and every check)
medical_import_people  people, categories and the year so far (the joins, the refusals)
medical_import_cap     eligibility.decide alone on the extract's columns: rules, sort,
                       yearly cap (goal ≤ 2 s for 1M bills)
medical_import_write   the binary COPY of the bills and the commit, against the floor

python -m bench --size 1000000 --only medical_compute medical_parse
BENCH_PG=postgres://postgres@127.0.0.1:5432/postgres BENCH_DB_PREFIX=jiuzhu_me \
    python -m bench --size 1000000 --only medical_import         (PostgreSQL; SQLite without)
"""

import os
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bench.common import benchmark, record, timer

HEADER = (
    "身份证号,医疗机构,入院日期,出院日期,医疗总费用,基本医保支付,大病保险支付,政策范围内自付,"
    "政策外自费,一站式结算,医疗救助支付\n"
)


def _extract(size: int, person_ids: list[int] | None = None) -> bytes:
    """N rows; with `person_ids`, 10 bills a person of the bench registry's ID numbers."""
    rows = []
    for i in range(size):
        person = person_ids[i // 10 % len(person_ids)] if person_ids else 5 + i % 1000
        day = f"2026-{1 + i % 10:02d}-{1 + i * 7 % 28:02d}"
        eligible = 500 + i * 37 % 1500
        rows.append(
            f"{person:018d},平阴县人民医院,{day},{day},{7000 + eligible}.50,6000,1000,"
            f"{eligible}.50,0,否,\n"
        )
    return (HEADER + "".join(rows)).encode()


PAGE = 50


@benchmark("medical_compute")
def compute(size: int) -> None:
    from jiuzhu.medical.formulas import assistance, explain_one

    rng = np.random.default_rng(14)
    person = np.sort(rng.integers(0, max(size // 3, 1), size)).astype(np.int64)
    eligible = rng.integers(0, 4_000_000, size).astype(np.int64)
    zeros = np.zeros(size, dtype=np.int64)
    edge = rng.random(size) < 0.2
    deductible = np.where(edge, 300_000, 0).astype(np.int64)
    share = np.where(edge, 5_000, 7_500).astype(np.int64)
    cap = np.where(edge, 2_000_000, 3_000_000).astype(np.int64)
    with timer() as t:
        result = assistance(person, eligible, zeros, zeros, deductible, share, cap)
    assert int(result.amount_fen.max()) <= 3_000_000
    record("medical_compute", size, t["seconds"])
    page = range(min(size, PAGE))
    with timer() as t:
        texts = [
            explain_one(
                "边缘户" if edge[i] else "低保对象",
                int(eligible[i]),
                int(result.eligible_before_fen[i]),
                int(result.paid_before_fen[i]),
                int(deductible[i]),
                int(share[i]),
                int(cap[i]),
            )
            for i in page
        ]
    assert all(text.endswith("。") for text in texts)
    record("medical_explain", len(texts), t["seconds"])


@benchmark("medical_parse")
def parse(size: int) -> None:
    import django

    django.setup()
    from jiuzhu.medical import importer

    content = _extract(size)
    with timer() as t:
        extract = importer.read("extract.csv", content, max_rows=size)
    assert len(extract) == size
    record("medical_parse", size, t["seconds"], mb_per_second=_mb(content, t["seconds"]))


def _mb(content: bytes, seconds: float) -> float:
    return round(len(content) / 2**20 / seconds, 1)


@benchmark("medical_import")
def import_(size: int) -> None:
    from bench.bench_payroll import _database, _drop

    pg_name = os.environ.get("BENCH_DB_PREFIX", "jiuzhu_bench") + "_medical"
    label, url = _database(pg_name)
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        _import(size, label)
    finally:
        _drop(label, url, pg_name)


def _import(size: int, label: str) -> None:
    from bench.bench_payroll import _flush_generated, fill_recipients
    from bench.bench_policy import fill_registry
    from bench.common import write_floor
    from jiuzhu.core.models import User
    from jiuzhu.medical import bulk, eligibility, importer
    from jiuzhu.medical.models import Bill

    households = max(size // 10, 1)
    fill_registry(households)
    fill_recipients(households)
    _flush_generated(label)
    actor = User.objects.get(username="bench_admin")
    content = _extract(size, [h * 4 + 1 for h in range(1, households + 1)])
    marks: dict[int, float] = {}
    with timer() as t:
        with timer() as read:
            extract = importer.read("extract.csv", content, max_rows=size)
        start = time.perf_counter()
        made, total = bulk.record_extract(
            actor, extract, lambda p: marks.setdefault(p, time.perf_counter() - start)
        )
    assert made == size == Bill.objects.count() and total > 0
    record(
        "medical_import_parse", size, read["seconds"], mb_per_second=_mb(content, read["seconds"])
    )
    record("medical_import_people", size, marks[30])
    # The columns an import writes: all but the id and the approval's and the bank file's.
    unwritten = {"id", "approved_by_id", "approved_at", "batch_id"}
    columns = ", ".join(
        str(f.column) for f in Bill._meta.concrete_fields if f.column not in unwritten
    )
    floor = write_floor("medical_bill", columns, "true")
    write = t["seconds"] - read["seconds"] - marks[40]
    record("medical_import_write", size, write, "write_floor", floor, database=label)
    record(
        "medical_import",
        size,
        t["seconds"],
        "write_floor",
        floor,
        database=label,
        mb_per_second=_mb(content, t["seconds"]),
    )
    person = np.asarray(pc.cast(extract.id_number, pa.int64()))
    codes = np.full(size, 1, dtype=np.int8)  # dibao, as in the registry filled
    zeros = np.zeros(size, dtype=np.int64)
    day, eligible = extract.discharged_on, extract.eligible_fen
    with timer() as cap:
        decided = eligibility.decide(person, day, eligible, extract.line, codes, zeros, zeros)
    assert int(decided["amount_fen"].sum()) == total
    # Inside the import: the same plus the one-stop settlements' check.
    inside = round(marks[40] - marks[30], 3)
    record("medical_import_cap", size, cap["seconds"], in_import_seconds=inside)
