"""The bureau's extract recorded as columns: the rules of services.record_bills (the person
in the area and in a medical assistance category on the discharge day, the deductible,
share and yearly cap against the person's year so far, one-stop settlements matching) over
whole columns. All or nothing: a refusal names each bad line of the file.

Set-based on both databases: the extract's distinct ID digests go into a temporary table
(binary COPY on PostgreSQL) and the people, their categories' spans and their year so far
come from joins with it, a few queries whatever the size; the bills go in with one binary
COPY on PostgreSQL."""

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection, transaction
from django.utils import timezone

from jiuzhu.core import crypto, idnumber, pgcopy
from jiuzhu.core.models import User
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.medical import eligibility
from jiuzhu.medical.importer import Extract
from jiuzhu.medical.models import Bill, BillSource, BillStatus
from jiuzhu.medical.services import refusal, settlement_error
from jiuzhu.registry.models import Household, Membership, Person

Ids = npt.NDArray[np.int64]
Progress = Callable[[int], None]
NUMBERS, PEOPLE = "medical_import_numbers", "medical_import_people"
WRITE_BATCH = 100_000  # rows per COPY: the progress moves while the server writes


def _silent(percent: int) -> None:
    pass


def _load_numbers(cursor: Any, digests: list[str]) -> None:
    """The distinct ID numbers' digests (row n of `digests`) into a temporary table."""
    cursor.execute(f"CREATE TEMPORARY TABLE {NUMBERS} (n integer, digest varchar(64))")
    if connection.vendor != "postgresql":
        cursor.executemany(f"INSERT INTO {NUMBERS} VALUES (%s, %s)", list(enumerate(digests)))
        return
    columns = {"n": "integer", "digest": "varchar(64)"}
    table = pa.table({"n": np.arange(len(digests), dtype=np.int32), "digest": digests})
    names, stream = pgcopy.binary_copy(table.to_batches(), columns)
    with cursor.copy(f"COPY {NUMBERS} ({', '.join(names)}) FROM STDIN (FORMAT binary)") as copy:
        for chunk in stream:
            copy.write(chunk)
    cursor.execute(f"ANALYZE {NUMBERS}")  # temporary tables are never analysed on their own


def _people(cursor: Any, extract: Extract) -> tuple[Ids, Ids, pa.Array]:
    """Each row's person, household and registered area (0, 0, "" when not found); the
    found ones stay in a temporary table for the joins that follow."""
    numbers = pc.unique(extract.id_number)
    _load_numbers(cursor, crypto.digest_many(idnumber.normalise(n) for n in numbers.to_pylist()))
    digest = Person._meta.get_field("id_digest").column
    cursor.execute(
        f"CREATE TEMPORARY TABLE {PEOPLE} AS SELECT d.n, m.person_id AS person,"
        " m.household_id AS household, h.registered_code AS code"
        f" FROM {NUMBERS} d JOIN {Person._meta.db_table} p ON p.{digest} = d.digest"
        f" JOIN {Membership._meta.db_table} m ON m.person_id = p.id AND m.end_date IS NULL"
        f" JOIN {Household._meta.db_table} h ON h.id = m.household_id"
    )
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {PEOPLE}")
    cursor.execute(f"SELECT n, person, household, code FROM {PEOPLE}")
    found = cursor.fetchall()
    person = np.zeros(len(numbers), dtype=np.int64)
    household = np.zeros(len(numbers), dtype=np.int64)
    code = np.full(len(numbers), "", dtype=object)
    if found:
        n, p, h, c = zip(*found, strict=True)
        at = np.array(n, dtype=np.int64)
        person[at], household[at], code[at] = p, h, c
    row = pc.index_in(extract.id_number, numbers)
    return person[row], household[row], pa.array(code, pa.string()).take(row)


def _categories(cursor: Any, person: Ids, household: Ids, day: Any) -> eligibility.Codes:
    cursor.execute(
        eligibility.spans_sql(f"SELECT person FROM {PEOPLE}", f"SELECT household FROM {PEOPLE}")
    )
    return eligibility.categories(person, household, day, eligibility.span_table(cursor.fetchall()))


def _year_so_far(cursor: Any, person: Ids, year: Ids) -> tuple[Ids, Ids]:
    """Each row's (eligible out-of-pocket, assistance) of the bills already recorded for the
    person in the year: every recorded bill counts, so the cap holds whatever is still to
    be approved (services._year_so_far over columns)."""
    keys, eligible, paid = [], [], []
    for in_year in np.unique(year).tolist():
        cursor.execute(
            "SELECT person_id, SUM(eligible_fen), SUM(amount_fen)"
            f" FROM {Bill._meta.db_table} WHERE person_id IN (SELECT person FROM {PEOPLE})"
            " AND discharged_on >= %s AND discharged_on < %s GROUP BY person_id",
            [f"{in_year:04d}-01-01", f"{in_year + 1:04d}-01-01"],
        )
        for person_id, e, p in cursor.fetchall():
            keys.append(person_id * 10_000 + in_year)
            eligible.append(int(e or 0))
            paid.append(int(p or 0))
    if not keys:
        return np.zeros(len(person), np.int64), np.zeros(len(person), np.int64)
    known = np.array(keys, dtype=np.int64)
    order = np.argsort(known)
    key = person * 10_000 + year
    at = np.clip(np.searchsorted(known[order], key), 0, len(known) - 1)
    hit = known[order][at] == key
    pick = order[at]
    return (
        np.where(hit, np.array(eligible, np.int64)[pick], 0),
        np.where(hit, np.array(paid, np.int64)[pick], 0),
    )


def _names(person_ids: Ids) -> dict[int, str]:
    """The names of the people of the first ten bad rows: the ones a refusal shows."""
    wanted = set(person_ids[:10].tolist())
    return dict(Person.objects.filter(pk__in=wanted).values_list("pk", "name"))


def _refuse(lines: Ids, rows: npt.NDArray[np.bool_], messages: list[str]) -> None:
    raise refusal([f"第{n}行：{m}" for n, m in zip(lines[rows].tolist(), messages, strict=True)])


def _check_people(
    actor: User, extract: Extract, person: Ids, code: pa.Array, category: eligibility.Codes
) -> None:
    unknown = person == 0
    outside = ~unknown & ~pc.starts_with(code, actor.scope_prefix).to_numpy(zero_copy_only=False)
    not_helped = ~unknown & ~outside & (category == eligibility.NONE)
    bad = unknown | outside | not_helped
    if bad.any():
        names = _names(person[bad & ~unknown])
        messages = [
            "未找到该身份证号的人员，请先在家庭档案中登记。"
            if u
            else f"{names.get(p, '')}的户籍不在本人管辖区域内。"
            if o
            else f"{names.get(p, '')}{eligibility.NOT_HELPED}"
            for p, u, o in zip(
                person[bad].tolist(), unknown[bad].tolist(), outside[bad].tolist(), strict=True
            )
        ]
        _refuse(extract.line, bad, messages)


def record_extract(
    actor: User,
    extract: Extract,
    progress: Progress = _silent,
    within: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Record the extract's bills with their assistance; (bills, assistance in fen).
    `within` is called with them inside the import's transaction, to commit with it."""
    require(actor, Capability.PREPARE_PAYROLL)
    with transaction.atomic(), connection.cursor() as cursor:
        for table in (NUMBERS, PEOPLE):  # left by an earlier import in this session
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        person, household, code = _people(cursor, extract)
        progress(10)
        category = _categories(cursor, person, household, extract.discharged_on)
        _check_people(actor, extract, person, code, category)
        progress(20)
        if connection.vendor == "postgresql":
            # Lock the people: two imports (or an entry) for one person must not both use
            # the cap. In id order, so that two imports cannot deadlock.
            cursor.execute(
                f"SELECT id FROM {Person._meta.db_table} WHERE id IN"
                f" (SELECT person FROM {PEOPLE}) ORDER BY id FOR UPDATE"
            )
        prior_eligible, prior_paid = _year_so_far(
            cursor, person, eligibility.years(extract.discharged_on)
        )
        progress(30)
        computed = eligibility.decide(
            person,
            extract.discharged_on,
            extract.eligible_fen,
            extract.line,
            category,
            prior_eligible,
            prior_paid,
        )
        _check_settlements(extract, person, computed["amount_fen"])
        progress(40)
        columns = {
            "person_id": person,
            "household_id": household,
            "town_code": code,
            "hospital": extract.hospital,
            "admitted_on": extract.admitted_on,
            "discharged_on": extract.discharged_on,
            "total_fen": extract.total_fen,
            "basic_fen": extract.basic_fen,
            "critical_fen": extract.critical_fen,
            "eligible_fen": extract.eligible_fen,
            "self_paid_fen": extract.self_paid_fen,
            "one_stop": extract.one_stop,
            "category": eligibility.labels(category),
            **computed,
        }
        _write(cursor, actor, pa.table(columns), progress)
        for table in (NUMBERS, PEOPLE):
            cursor.execute(f"DROP TABLE {table}")
        total = int(computed["amount_fen"].sum())
        record_audit(
            actor, "record_medical_bills", None, {"bills": len(extract), "amount_fen": total}
        )
        if within is not None:
            within(len(extract), total)
    return len(extract), total


def _check_settlements(extract: Extract, person: Ids, amount: Ids) -> None:
    one_stop, deducted = extract.one_stop, extract.deducted_fen
    bad = (one_stop & (deducted != amount)) | (~one_stop & (amount == 0))
    if bad.any():
        names = _names(person[bad])
        _refuse(
            extract.line,
            bad,
            [
                settlement_error(o, d, a, names.get(p, ""))
                for o, d, a, p in zip(
                    one_stop[bad].tolist(),
                    deducted[bad].tolist(),
                    amount[bad].tolist(),
                    person[bad].tolist(),
                    strict=True,
                )
            ],
        )


def _write(cursor: Any, actor: User, table: pa.Table, progress: Progress) -> None:
    """The bills into medical_bill: binary COPY on PostgreSQL, a bulk insert elsewhere;
    progress from 40 to 95 as the batches go in (the commit is the rest)."""
    rows = table.num_rows
    zeros = np.zeros(rows, np.int64)
    table = (
        table.append_column("source", pa.array([BillSource.IMPORTED.value]).take(zeros))
        .append_column("status", pa.array([BillStatus.PROPOSED.value]).take(zeros))
        .append_column("entered_by_id", pa.array(np.full(rows, actor.pk, dtype=np.int64)))
        .append_column(
            "entered_at",
            pa.array(np.full(rows, np.datetime64(timezone.now().replace(tzinfo=None), "us"))).cast(
                pa.timestamp("us", "UTC")
            ),
        )
    )
    if connection.vendor != "postgresql":
        Bill.objects.bulk_create(Bill(**row) for row in table.to_pylist())
        return
    types, nullable = pgcopy.model_columns(Bill)
    types = {name: types[name] for name in table.column_names}
    done = 0
    # A COPY per batch, the progress reported between them (not while the connection is
    # busy copying).
    for batch in table.to_batches(WRITE_BATCH):
        names, stream = pgcopy.binary_copy([batch], types, nullable)
        sql = f"COPY {Bill._meta.db_table} ({', '.join(names)}) FROM STDIN (FORMAT binary)"
        with cursor.copy(sql) as copy:
            for chunk in stream:
                copy.write(chunk)
        done += batch.num_rows
        progress(40 + 55 * done // max(rows, 1))
