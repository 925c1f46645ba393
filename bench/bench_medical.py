"""Medical assistance: the formula over a year's bills, and the bureau extract's parse.

medical_compute  formulas.assistance over N bills of N/3 people (deductible, share and
                 cap with year-to-date per person), columns in memory
medical_explain  formulas.explain of the same N bills: the Chinese explanation of each
                 (measured with medical_compute)
medical_parse    importer.read of an N-row CSV extract: pyarrow's reader, every check over
                 columns (amounts, dates, parts adding up), no database; rows/s and MB/s
medical_import   the whole import of an N-row extract into its own database: read, people
                 by ID digest, programmes on the discharge day, year so far, formula,
                 explanations, COPY into medical_bill (goal ≥ 1M rows/s); the bills are 10
                 a person for the heads of N/10 dibao households (bench_policy.fill_registry
                 and bench_payroll.fill_recipients)

python -m bench --size 1000000 --only medical_compute medical_parse
BENCH_PG=postgres://postgres@127.0.0.1:5432/postgres BENCH_DB_PREFIX=jiuzhu_me \
    python -m bench --size 1000000 --only medical_import         (PostgreSQL; SQLite without)
"""

import os

import numpy as np

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


@benchmark("medical_compute")
def compute(size: int) -> None:
    import pyarrow as pa

    from jiuzhu.medical.formulas import assistance, explain

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
    labels = pa.array(np.where(edge, "边缘户", "低保对象"))
    with timer() as t:
        text = explain(result, labels, deductible, share, cap)
    assert len(text) == size
    record("medical_explain", size, t["seconds"])


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
    from jiuzhu.core.models import User
    from jiuzhu.medical import bulk, importer
    from jiuzhu.medical.models import Bill

    households = max(size // 10, 1)
    fill_registry(households)
    fill_recipients(households)
    _flush_generated(label)
    actor = User.objects.get(username="bench_admin")
    content = _extract(size, [h * 4 + 1 for h in range(1, households + 1)])
    with timer() as t:
        extract = importer.read("extract.csv", content, max_rows=size)
        made, total = bulk.record_extract(actor, extract)
    assert made == size == Bill.objects.count() and total > 0
    record(
        "medical_import",
        size,
        t["seconds"],
        database=label,
        mb_per_second=_mb(content, t["seconds"]),
    )
