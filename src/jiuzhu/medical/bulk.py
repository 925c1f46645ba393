"""The bureau's extract recorded as columns: the rules of services.record_bills (the
person in the area and a tekun or dibao recipient on the discharge day, the deductible,
share and yearly cap against the person's year so far, one-stop settlements matching)
over whole columns, and the bills written with one COPY on PostgreSQL. All or nothing: a
refusal names each bad line of the file."""

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from jiuzhu.cases.models import ACTIVE_RECIPIENT_STATUSES, Recipient
from jiuzhu.core import crypto, idnumber
from jiuzhu.core.models import User
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.medical import formulas
from jiuzhu.medical.importer import Extract
from jiuzhu.medical.models import RULE_GROUP, Bill, BillSource, BillStatus, Category
from jiuzhu.medical.services import refusal, settlement_error
from jiuzhu.policy.accessors import MedicalRule
from jiuzhu.registry.models import Membership, Person

CHUNK = 20_000  # ids per IN list: under every driver's limit on parameters
T = TypeVar("T")
Ids = npt.NDArray[np.int64]
# Tekun first: a person in both (never in force together) is helped as tekun.
CATEGORIES = (Category.TEKUN, Category.DIBAO)


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _people(extract: Extract) -> tuple[Ids, Ids, pa.Array]:
    """Each row's person, household and registered area (0, 0, "" when not found)."""
    numbers = pc.unique(extract.id_number)
    digests = crypto.digest_many([idnumber.normalise(n) for n in numbers.to_pylist()])
    found: dict[str, tuple[int, int, str]] = {}
    for chunk in _chunks(digests):
        for digest, *row in Membership.objects.filter(
            person__id_digest__in=chunk, end_date__isnull=True
        ).values_list(
            "person__id_digest", "person_id", "household_id", "household__registered_code"
        ):
            found[digest] = tuple(row)  # type: ignore[assignment]
    rows = [found.get(d, (0, 0, "")) for d in digests]
    at = pc.index_in(extract.id_number, numbers).to_numpy()
    person = np.array([r[0] for r in rows], dtype=np.int64)[at]
    household = np.array([r[1] for r in rows], dtype=np.int64)[at]
    return person, household, pa.array([r[2] for r in rows]).take(pa.array(at))


def _categories(person: Ids, household: Ids, day: npt.NDArray[np.datetime64]) -> npt.NDArray[Any]:
    """Each row's category on its day, "" for none (cases.selectors.programmes_of_persons
    over columns: recipients in person or as a member of a recipient household)."""
    people, households = np.unique(person).tolist(), np.unique(household).tolist()
    in_force = Recipient.objects.filter(
        status__in=ACTIVE_RECIPIENT_STATUSES, programme__in=[c.value for c in CATEGORIES]
    )
    spans: list[tuple[Any, ...]] = []
    for chunk in _chunks(people):
        spans += in_force.filter(person_id__in=chunk).values_list(
            "person_id", "household_id", "programme", "start_month", "end_month"
        )
    for chunk in _chunks(households):
        spans += in_force.filter(person__isnull=True, household_id__in=chunk).values_list(
            "person_id", "household_id", "programme", "start_month", "end_month"
        )
    names = ("person_id", "household_id", "programme", "start_month", "end_month")
    recipients = pa.table(  # noqa: F841 (read by the query below)
        {name: [span[i] for span in spans] for i, name in enumerate(names)},
        schema=pa.schema(
            [
                ("person_id", pa.int64()),
                ("household_id", pa.int64()),
                ("programme", pa.string()),
                ("start_month", pa.date32()),
                ("end_month", pa.date32()),
            ]
        ),
    )
    bills = pa.table(  # noqa: F841 (read by the query below)
        {"row": np.arange(len(person)), "person": person, "household": household, "day": day}
    )
    held = (
        duckdb.connect()
        .execute(
            "WITH hits AS (SELECT b.row, b.day, r.* FROM bills b JOIN recipients r"
            " ON r.person_id = b.person UNION ALL SELECT b.row, b.day, r.* FROM bills b"
            " JOIN recipients r ON r.person_id IS NULL AND r.household_id = b.household)"
            " SELECT row, bool_or(programme = 'tekun') AS tekun FROM hits"
            " WHERE start_month <= day"
            " AND (end_month IS NULL OR end_month >= date_trunc('month', day)) GROUP BY row"
        )
        .fetchnumpy()
    )
    category = np.full(len(person), "", dtype=object)
    category[held["row"]] = np.where(held["tekun"], Category.TEKUN.value, Category.DIBAO.value)
    return category


def _year_so_far(person: Ids, year: Ids) -> tuple[Ids, Ids]:
    """Each row's (eligible out-of-pocket, assistance) of the bills already recorded for the
    person in the year (services._year_so_far over columns)."""
    key = person * 10_000 + year
    keys, eligible, paid = [], [], []
    for chunk in _chunks(np.unique(person).tolist()):
        for person_id, in_year, e, p in (
            Bill.objects.filter(person_id__in=chunk, discharged_on__year__in=set(year.tolist()))
            .values_list("person_id", "discharged_on__year")
            .annotate(eligible=Sum("eligible_fen"), paid=Sum("amount_fen"))
        ):
            keys.append(person_id * 10_000 + in_year)
            eligible.append(int(e or 0))
            paid.append(int(p or 0))
    if not keys:
        return np.zeros(len(key), np.int64), np.zeros(len(key), np.int64)
    known = np.array(keys, dtype=np.int64)
    order = np.argsort(known)
    at = np.clip(np.searchsorted(known[order], key), 0, len(known) - 1)
    hit = known[order][at] == key
    pick = order[at]
    return (
        np.where(hit, np.array(eligible, np.int64)[pick], 0),
        np.where(hit, np.array(paid, np.int64)[pick], 0),
    )


def _rules(category: npt.NDArray[Any], day: npt.NDArray[np.datetime64]) -> tuple[Ids, Ids, Ids]:
    """Each row's deductible, share (basis points) and cap: the dated rule of its group."""
    group = np.array([RULE_GROUP[Category(c)] for c in category], dtype=object)
    pairs, inverse = np.unique(np.char.add(group.astype(str), day.astype(str)), return_inverse=True)
    rules = [MedicalRule.on(dt.date.fromisoformat(p[-10:]), p[:-10]) for p in pairs]
    table = np.array(
        [(r.deductible_fen, int(r.share * formulas.BASIS), r.cap_fen) for r in rules],
        dtype=np.int64,
    )[inverse.ravel()]
    return table[:, 0], table[:, 1], table[:, 2]


def _names(person_ids: Ids) -> dict[int, str]:
    """The names of the people of the first ten bad rows: the ones a refusal shows."""
    wanted = set(person_ids[:10].tolist())
    return dict(Person.objects.filter(pk__in=wanted).values_list("pk", "name"))


def _refuse(lines: Ids, rows: npt.NDArray[np.bool_], messages: list[str]) -> None:
    raise refusal([f"第{n}行：{m}" for n, m in zip(lines[rows].tolist(), messages, strict=True)])


def _check_people(actor: User, extract: Extract) -> tuple[Ids, Ids, pa.Array, npt.NDArray[Any]]:
    person, household, code = _people(extract)
    unknown = person == 0
    outside = ~unknown & ~pc.starts_with(code, actor.scope_prefix).to_numpy(zero_copy_only=False)
    category = _categories(person, household, extract.discharged_on)
    not_recipient = ~unknown & ~outside & (category == "")
    bad = unknown | outside | not_recipient
    if bad.any():
        names = _names(person[bad & ~unknown])
        messages = [
            "未找到该身份证号的人员，请先在家庭档案中登记。"
            if u
            else f"{names.get(p, '')}的户籍不在本人管辖区域内。"
            if o
            else f"{names.get(p, '')}在出院日不是特困人员或低保对象，不属于医疗救助对象。"
            for p, u, o in zip(
                person[bad].tolist(), unknown[bad].tolist(), outside[bad].tolist(), strict=True
            )
        ]
        _refuse(extract.line, bad, messages)
    return person, household, code, category


def record_extract(actor: User, extract: Extract) -> tuple[int, int]:
    """Record the extract's bills with their assistance; (bills, assistance in fen)."""
    require(actor, Capability.PREPARE_PAYROLL)
    person, household, code, category = _check_people(actor, extract)
    day = extract.discharged_on
    year = day.astype("datetime64[Y]").astype(np.int64) + 1970
    with transaction.atomic():
        # Lock the people first: two imports for one person must not both use the cap.
        for chunk in _chunks(np.unique(person).tolist()):
            list(Person.objects.select_for_update().filter(pk__in=chunk).values_list("pk"))
        prior_eligible, prior_paid = _year_so_far(person, year)
        deductible, share, cap = _rules(category, day)
        order = np.lexsort((extract.line, day, person))
        result = formulas.assistance(
            (person * 10_000 + year)[order],
            extract.eligible_fen[order],
            prior_eligible[order],
            prior_paid[order],
            deductible[order],
            share[order],
            cap[order],
        )
        amount = np.empty_like(result.amount_fen)
        amount[order] = result.amount_fen
        _check_settlements(extract, person, amount)
        labels = pa.array([Category(c).label for c in category[order]])
        explanation = formulas.explain(
            result, labels, deductible[order], share[order], cap[order]
        ).take(pa.array(np.argsort(order)))
        columns = {
            "person_id": person,
            "household_id": household,
            "town_code": code,
            "hospital": extract.hospital,
            "admitted_on": extract.admitted_on,
            "discharged_on": day,
            "total_fen": extract.total_fen,
            "basic_fen": extract.basic_fen,
            "critical_fen": extract.critical_fen,
            "eligible_fen": extract.eligible_fen,
            "self_paid_fen": extract.self_paid_fen,
            "one_stop": extract.one_stop,
            "category": pa.array(category.tolist(), pa.string()),
            "amount_fen": amount,
            "explanation": explanation,
        }
        _write(actor, pa.table(columns))
        total = int(amount.sum())
        record_audit(
            actor, "record_medical_bills", None, {"bills": len(extract), "amount_fen": total}
        )
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


def _write(actor: User, table: pa.Table) -> None:
    """The bills into medical_bill: one COPY on PostgreSQL, a bulk insert elsewhere."""
    rows = table.num_rows
    now = timezone.now()
    table = (
        table.append_column("source", pa.array([BillSource.IMPORTED.value] * rows))
        .append_column("status", pa.array([BillStatus.PROPOSED.value] * rows))
        .append_column("entered_by_id", pa.array(np.full(rows, actor.pk, dtype=np.int64)))
        .append_column("entered_at", pa.array([now] * rows, pa.timestamp("us", tz="UTC")))
    )
    if connection.vendor != "postgresql":
        Bill.objects.bulk_create(Bill(**row) for row in table.to_pylist())
        return
    body = io.BytesIO()
    pa_csv.write_csv(table, body, pa_csv.WriteOptions(include_header=False))
    names = ", ".join(table.column_names)
    sql = f"COPY {Bill._meta.db_table} ({names}) FROM STDIN (FORMAT csv)"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(body.getbuffer())
