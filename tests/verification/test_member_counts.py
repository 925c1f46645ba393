"""Members are counted once in a report however many facts name them (matching.REPORTS_SQL:
deaths and payroll members are distinct counts)."""

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

from jiuzhu.batch.engine import DuckDBEngine
from jiuzhu.verification import matching

DAY = dt.date(2024, 6, 30)


def _fact(digest, category, amount=0):
    return {
        "id_digest": digest,
        "name": "某人",
        "birth_date": dt.date(1960, 1, 1),
        "source": "public_payroll" if category == "payroll" else "deaths",
        "extract_date": DAY,
        "kind": category,
        "category": category,
        "amount_fen": amount,
        "detail": "",
    }


def test_a_member_named_by_several_facts_counts_once(tmp_path):
    persons = pa.Table.from_pylist(
        [
            {
                "person_id": p,
                "household_id": 1,
                "chunk": 0,
                "id_digest": f"d{p}",
                "name": f"人{p}",
                "birth_date": dt.date(1960, 1, p),
            }
            for p in (1, 2, 3)
        ]
    )
    households = pa.Table.from_pylist(
        [
            {
                "household_id": 1,
                "chunk": 0,
                "town_code": "370124102000",
                "area_type": "rural",
                "members": 3,
                "declared_income_fen": 0,
                "declared_financial_fen": 0,
                "declared_vehicles": 0,
                "declared_houses": 0,
                "declared_businesses": 0,
            }
        ]
    )
    facts = pa.Table.from_pylist(
        [
            _fact("d1", "payroll", 100),
            _fact("d1", "payroll", 200),
            _fact("d1", "death"),
            _fact("d2", "death"),
            _fact("d2", "death"),
        ],
        schema=matching.FACT_SCHEMA_EMPTY.remove(
            matching.FACT_SCHEMA_EMPTY.get_field_index("extract_id")
        ),
    )
    for name, table in (("persons", persons), ("households", households), ("facts", facts)):
        pq.write_table(table, tmp_path / f"{name}.parquet")
    thresholds = pa.Table.from_pylist(
        [
            {
                "area_type": "rural",
                "standard_fen": 50_000,
                "financial_months": 24,
                "vehicles_allowed": 0,
                "houses_allowed": 1,
                "business_capital_limit_fen": 1,
            }
        ]
    )
    inputs = matching.JobInputs(
        tmp_path / "households.parquet",
        tmp_path / "persons.parquet",
        [(1, tmp_path / "facts.parquet")],
        thresholds,
    )
    engine = DuckDBEngine()
    try:
        reports, findings = matching.prepare(engine, inputs).get(0)
    finally:
        engine.close()
    [report] = reports.to_pylist()
    assert (report["deaths"], report["payroll_members"]) == (2, 1)
    assert (report["findings_count"], report["income_fen"]) == (5, 300)
    assert matching.reasons_of(report) == ["undeclared_income", "member_died", "public_payroll"]
    assert findings.num_rows == 5
