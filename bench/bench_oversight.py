"""Risk warnings at scale: every rule over N recipients, 12 months of their payroll lines
and department extracts of 10·N rows (at most 10M).

`python -m bench --size 1000000 --only oversight`

Synthetic data written by DuckDB straight to Parquet (no database load; ID numbers as
32-hex-digit digests, as the snapshots keep them): recipients in
12 towns (one in twenty on tekun for a person), two members each plus some persons listed
in two households, a payroll line per recipient and month (a few accounts shared), facts
of which one in a thousand is each of death, public payroll, vehicle and business, one
review in a hundred long overdue, the staff's relatives and a year of approvals. Figures:
  oversight_floor   the bare DuckDB joins the rules need (recipients × members, facts ×
                    members, lines × recipients, lines by account), same files
  oversight_rules   rules.prepare + rules.run: every rule's hits back in Python
  oversight_evaluation_tally_{sqlite,postgresql}  the tally counting every indicator of
                    every town and month of the year over N households (a background task)
  oversight_evaluation_{sqlite,postgresql}  the towns' evaluation for a year over N
                    households in the database, read from the tally (goal ≤ 1 s at 1M)
"""

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb

from bench.common import benchmark, record, setup_django, timer

MONTHS = 12
MAX_FACTS = 10_000_000


def generate(n: int, directory: Path) -> dict[str, str]:
    facts = min(10 * n, MAX_FACTS)
    paths = {name: str(directory / f"{name}.parquet") for name in _TABLES}
    con = duckdb.connect()
    for name, sql in _TABLES.items():
        con.execute(
            f"COPY ({sql.format(n=n, facts=facts, months=MONTHS)}) TO '{paths[name]}' "
            "(FORMAT parquet)"
        )
    con.close()
    return paths


_TOWN = "'370124' || CAST(100 + h % 12 AS VARCHAR) || '000'"
_TABLES = {
    "recipients": f"""
SELECT h AS recipient_id, h AS household_id,
       CASE WHEN h % 20 = 0 THEN 2 * h END AS person_id,
       CASE WHEN h % 20 = 0 THEN 'tekun' ELSE 'dibao' END AS programme,
       {_TOWN} AS town_code,
       30000 + h % 500 * 100 AS monthly_fen,
       30000 + h % 500 * 100 + CASE WHEN h % 1000 = 7 THEN 1000 ELSE 0 END AS approved_fen,
       h % 40 AS decided_by,
       DATE '2027-01-01' + CAST(h % 365 AS INTEGER)
           - CASE WHEN h % 100 = 0 THEN 500 ELSE 0 END AS next_review_on
FROM range({{n}}) t(h)""",
    "members": """
SELECT p AS person_id, p // 2 AS household_id, md5(printf('37%016d', p)) AS id_digest
FROM range(2 * {n}) t(p)
UNION ALL
SELECT 2 * (h + 1), h, md5(printf('37%016d', 2 * (h + 1))) FROM range({n}) t(h)
WHERE h % 5000 = 3""",
    "lines": """
SELECT DATE '2026-01-01' + TO_MONTHS(CAST(m AS INTEGER)) AS for_month, h AS recipient_id,
       h AS household_id,
       printf('6222%012d', CASE WHEN h % 3000 = 5 THEN h - 1 ELSE h END) AS account_number,
       30000 + h % 500 * 100 AS net_fen
FROM range({n}) a(h), range({months}) b(m)""",
    "facts": """
SELECT md5(printf('37%016d', (r * 7919) % (4 * {n}))) AS id_digest,
       CASE r % 1000 WHEN 0 THEN 'death' WHEN 1 THEN 'payroll' WHEN 2 THEN 'vehicle'
            WHEN 3 THEN 'business' ELSE 'income' END AS category,
       DATE '2026-06-30' AS extract_date
FROM range({facts}) t(r)""",
    "relatives": """
SELECT r % 50 AS staff_id, (r * 997) % (2 * {n}) AS person_id FROM range(1000) t(r)""",
    "decisions": """
SELECT CASE WHEN r % 12 = 0 AND r % 10 < 9 THEN 1 ELSE 2 + r % 40 END AS decided_by,
       '370124' || CAST(100 + r % 12 AS VARCHAR) || '000' AS town_code
FROM range({n} // 10) t(r)""",
}

FLOOR = [
    "SELECT COUNT(*) FROM read_parquet('{recipients}') r "
    "JOIN read_parquet('{members}') m ON m.household_id = r.household_id",
    "SELECT f.category, COUNT(*) FROM read_parquet('{facts}') f "
    "JOIN read_parquet('{members}') m ON m.id_digest = f.id_digest GROUP BY f.category",
    "SELECT COUNT(*), SUM(l.net_fen) FROM read_parquet('{lines}') l "
    "JOIN read_parquet('{recipients}') r ON r.recipient_id = l.recipient_id",
    "SELECT account_number FROM read_parquet('{lines}') "
    "GROUP BY account_number HAVING COUNT(DISTINCT household_id) > 1",
]


@benchmark("oversight")
def run(size: int) -> None:
    setup_django()
    from jiuzhu.batch.engine import DuckDBEngine
    from jiuzhu.oversight import rules

    with tempfile.TemporaryDirectory(prefix="bench-oversight-") as tmp:
        paths = generate(size, Path(tmp))
        con = duckdb.connect()
        with timer() as floor:
            for sql in FLOOR:
                con.execute(sql.format(**paths)).fetchall()
        con.close()
        rows = {"lines": size * MONTHS, "facts": min(10 * size, MAX_FACTS)}
        record("oversight_floor", size, floor["seconds"], **rows)
        thresholds = rules.Thresholds(
            as_of=dt.date(2026, 12, 31),
            shared_account_households=2,
            approval_share=Decimal("0.8"),
            approval_min_decisions=10,
            review_overdue_days=30,
        )
        with timer() as whole:
            engine = DuckDBEngine()
            try:
                rules.prepare(engine, {name: [path] for name, path in paths.items()})
                hits = rules.run(engine, thresholds)
            finally:
                engine.close()
        record(
            "oversight_rules",
            size,
            whole["seconds"],
            baseline="oversight_floor",
            baseline_seconds=floor["seconds"],
            hits={code: len(found) for code, found in hits.items()},
            **rows,
        )


@benchmark("oversight_evaluation")
def run_evaluation(size: int) -> None:
    """`python -m bench --size 1000000 --only oversight_evaluation`: the towns' yearly
    evaluation over N households, each a recipient whose case was decided this year
    (bench_payroll's generator; BENCH_PG for PostgreSQL, BENCH_PG_NAME for the database's
    name), half of them on the monitoring list and one in fifty on a visit plan.
    Figures: the tally that counts every indicator (a background task), and the evaluation
    page's read of all towns' scores for the year (goal ≤ 1 s at 1M)."""
    from bench.bench_payroll import _database, _drop, _flush_generated, fill_recipients

    name = os.environ.get("BENCH_PG_NAME", "jiuzhu_bench_evaluation")
    label, url = _database(name)
    os.environ["DATABASE_URL"] = url
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from bench.bench_policy import _series, fill_registry
    from jiuzhu.core.models import Region, User
    from jiuzhu.oversight import evaluation, tally

    call_command("migrate", verbosity=0)
    try:
        fill_registry(size)
        fill_recipients(size)
        actor = User.objects.get(username="bench_admin")
        village = Region.objects.get(code="370124102201")
        with connection.cursor() as cursor:
            # Decided this year in the platform, one in ten after its deadline; one review
            # in a hundred due.
            cursor.execute(
                "UPDATE cases_case SET decided_at = %s, decision_due = %s, decided_by_id = %s",
                [dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC), dt.date(2026, 6, 5), actor.pk],
            )
            cursor.execute(
                "UPDATE cases_case SET decision_due = %s WHERE id %% 10 = 0",
                [dt.date(2026, 5, 1)],
            )
            cursor.execute(
                "UPDATE cases_recipient SET next_review_on = %s WHERE id %% 100 = 0",
                [dt.date(2026, 3, 1)],
            )
            cursor.execute(
                "INSERT INTO outreach_monitoredhousehold (household_id, reason, town_code, "
                "since, note) SELECT h.i, 'dibao', %s, %s, '' "
                f"FROM {_series(size, 'h')} WHERE h.i %% 2 = 0",
                [village.parent.code, dt.date(2026, 1, 1)],
            )
            cursor.execute(
                'INSERT INTO outreach_visittarget (person_id, household_id, "group", '
                "village_id, village_code, since, end_reason, last_visited_on, created_by_id) "
                "SELECT h.i * 4 + 1, h.i, 'elderly_alone', %s, %s, %s, '', "
                "CASE WHEN h.i %% 3 = 0 THEN NULL ELSE %s END, %s "
                f"FROM {_series(size, 'h')} WHERE h.i %% 50 = 0",
                [village.pk, village.code, dt.date(2026, 1, 1), dt.date(2026, 12, 1), actor.pk],
            )
            cursor.execute("ANALYZE")
        _flush_generated(label)
        with timer() as counted:
            rows = tally.tally_year(actor, 2026, dt.date(2026, 12, 31))
        record(f"oversight_evaluation_tally_{label}", size, counted["seconds"], rows=rows)
        evaluation.evaluate(actor, 2026)  # warm pages, as a page view after another
        with timer() as took:
            result = evaluation.evaluate(actor, 2026)
        town = next(row for row in result.scores if row.counts["decisions"][1])
        record(
            f"oversight_evaluation_{label}",
            size,
            took["seconds"],
            towns=len(result.scores),
            decisions=town.counts["decisions"],
            coverage=town.counts["coverage"],
            visits=town.counts["visits"],
            score=str(town.score),
        )
    finally:
        _drop(label, url, name)
