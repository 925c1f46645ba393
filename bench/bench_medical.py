"""Medical assistance: the formula over a year's bills, and the bureau extract's parse.

medical_compute  formulas.assistance over N bills of N/3 people (deductible, share and
                 cap with year-to-date per person), columns in memory
medical_parse    importer.parse of an N-row CSV extract into bills (no database)

python -m bench --size 1000000 --only medical_compute medical_parse
"""

import numpy as np

from bench.common import benchmark, record, timer


@benchmark("medical_compute")
def compute(size: int) -> None:
    from jiuzhu.medical.formulas import assistance

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


@benchmark("medical_parse")
def parse(size: int) -> None:
    import django

    django.setup()
    from jiuzhu.medical import importer

    header = (
        "身份证号,医疗机构,入院日期,出院日期,医疗总费用,基本医保支付,大病保险支付,政策范围内自付\n"
    )
    row = "370124197005170011,县医院,2026-03-01,2026-03-10,17000.00,6000.00,1000.00,10000.00\n"
    rows = min(size, importer.MAX_ROWS)
    content = (header + row * rows).encode()
    with timer() as t:
        bills = importer.parse("extract.csv", content)
    assert len(bills) == rows
    record("medical_parse", rows, t["seconds"])
