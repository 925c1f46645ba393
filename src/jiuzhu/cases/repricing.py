"""A new standard re-prices every current recipient whose monthly amount derives from a
dated standard, from its effective month.

Which recipients: the payroll pays the monthly amount stored on the recipient
(Recipient.monthly_amount, set at the decision or the last review; payments/payroll
recomputes nothing from parameters), so every monthly programme whose amount comes from a
standard must have its stored amount re-priced: dibao of a household and of a single-person
unit (单人户), tekun (basic living standard of the person's area type + care standard of the
care level, `tekun.*`), children in hardship (dispersed or institutional standard,
`children.standard.*`), the disability subsidies (living + nursing) and the elderly
subsidy. Temporary, education, medical and charity aid are paid once and are not
re-priced. Recipients in phase-out (paid a tapered amount recorded at its start) and
suspended ones are left as they are: the review that ends either prices them afresh.

`compute_repricing` reads the registry with the batch engine's set-based reads
(`jiuzhu.policy.batch`) and the current recipients in one query, computes every programme
of every household at the parameters in force in the effective month in one pass
(`policy.formulas.compute`: a household's dibao with its recipient's amount as the
previous amount, so an income now above the line starts the phase-out; its tekun persons
outside its dibao unit) and takes each recipient's own figure: the household's dibao, or
the person's single-unit dibao, tekun, children's, disability or elderly amount. It writes
only what changes, in one binary COPY: the old and new amount, the arrears of the months
already paid at the old amount (effective month up to the month of the computation, never
before the recipient's start) and the phase-out's last month. It runs as the background
task "cases.reprice"; the summary is by town and programme.

`confirm_repricing` (a county administrator) applies the changes by one set-based UPDATE
from the effective month: recipients' amounts, or their phase-out (dibao households: the
phase-out is the household's); a recipient no longer eligible otherwise (property, public
payroll, a person no longer in the household or no longer within a programme's conditions)
is listed for a case review and left as it is. The payroll of the recipient's town then
pays the new amount, and one arrears line for each confirmed, unpaid rise
(payments/payroll). A lowered amount is not recovered for past months. A run whose
parameters changed since is refused.
"""

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
from django.db import connection, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from jiuzhu.core import pgcopy
from jiuzhu.core.bulk import Column, Table, max_used_id, write_table
from jiuzhu.core.columnar import codes, date_days, read_numbers, ymd_of_days, yuan_to_fen
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.months import add_months, first_of_month, month_index, ymd
from jiuzhu.core.permissions import require
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.core.tasks import task
from jiuzhu.policy import formulas as f
from jiuzhu.policy.batch import I64, Raw, columns, read_registry
from jiuzhu.policy.models import Parameter
from jiuzhu.policy.parameters import ParameterSet

from .models import (
    ACTIVE_RECIPIENT_STATUSES,
    Recipient,
    RecipientStatus,
    Repricing,
    RepricingChange,
)

Kind = RepricingChange.Kind
KIND_CODES = (Kind.AMOUNT, Kind.PHASE_OUT, Kind.REVIEW)


def parameters_digest() -> str:
    """A fingerprint of every parameter row: a run is stale once it changes."""
    digest = hashlib.sha256()
    rows = Parameter.objects.order_by("key", "effective_from").values_list(
        "key", "effective_from", "value"
    )
    for key, day, value in rows:
        digest.update(f"{key}|{day}|{value}\n".encode())
    return digest.hexdigest()


# The monthly programmes whose amount is a standard or derives from one, in the order of
# their codes in the columns below.
REPRICED = (
    Programme.DIBAO,
    Programme.TEKUN,
    Programme.CHILDREN,
    Programme.DISABILITY,
    Programme.ELDERLY,
)
DIBAO, TEKUN, CHILDREN, DISABILITY, ELDERLY = range(len(REPRICED))
# A recipient who is a person of the programme already (suspended and phase-out included):
# a tekun person leaves the household's dibao unit whatever the run does to him or her.
_STATUSES = ", ".join(f"'{status.value}'" for status in ACTIVE_RECIPIENT_STATUSES)
_PROGRAMMES = ", ".join(f"'{programme.value}'" for programme in REPRICED)


def recipients_sql() -> str:
    """The current recipients of the programmes re-priced: (id, household id, person id or
    0, programme code, 1 when being paid in full (not in phase-out, not suspended), monthly
    amount in fen, start month in days since 1970, see core.columnar.date_days)."""
    return (
        f"SELECT id, household_id, COALESCE(person_id, 0), "
        f"{codes('programme', [p.value for p in REPRICED], -1)}, "
        f"CASE WHEN status = '{RecipientStatus.ACTIVE.value}' THEN 1 ELSE 0 END, "
        f"{yuan_to_fen('monthly_amount')}, {date_days('start_month')} "
        f"FROM {Recipient._meta.db_table} "
        f"WHERE programme IN ({_PROGRAMMES}) AND status IN ({_STATUSES})"
    )


def _person_rows(raw: Raw, person_ids: I64) -> I64:
    """Person id → row of the person columns (-1 where the person is no current member)."""
    members = raw.cols["persons"][1]
    if not len(members) or not len(person_ids):
        return np.full(len(person_ids), -1, dtype=np.int64)
    row_of = np.full(int(max(members.max(), person_ids.max())) + 1, -1, dtype=np.int64)
    row_of[members] = np.arange(len(members), dtype=np.int64)
    return row_of[person_ids]


def changes(
    raw: Raw, recipients: list[I64], effective: dt.date, computed: dt.date
) -> dict[str, I64]:
    """The recipients paid in full whose amount changes from `effective`, as columns (pure
    arithmetic): every programme of a household computed at once, as the entitlements."""
    rid, hid, pid, programme, paid_code, old, start = recipients
    params = f.Params.from_set(ParameterSet.load(effective))
    households, persons, household_ids, town = columns(raw, effective, params)
    row = np.searchsorted(household_ids, hid)
    known = np.zeros(len(hid), dtype=bool)
    if len(household_ids):
        row = np.clip(row, 0, len(household_ids) - 1)
        known = household_ids[row] == hid
    # A person-level recipient is known while a current member of the recipient's household.
    person = pid > 0
    prow = _person_rows(raw, pid)
    member = prow >= 0
    known &= ~person | member
    known[member] &= persons.hh[prow[member]] == row[member]
    persons.tekun_member = np.zeros(persons.m, dtype=np.bool_)  # its own array, not shared
    persons.tekun_member[prow[known & (programme == TEKUN) & person]] = True
    paid = paid_code.astype(bool) & known
    whole = paid & (programme == DIBAO) & ~person
    households.dibao_recipient[row[whole]] = True
    households.months_above_line[:] = 1
    households.previous_amount[row[whole]] = old[whole]
    outcome = f.compute(households, persons, params)
    chosen = np.flatnonzero(paid)
    rid, programme, old, start, row = (c[chosen] for c in (rid, programme, old, start, row))
    person, prow = person[chosen], prow[chosen]
    whole = (programme == DIBAO) & ~person
    # Per person: the amount of the person's own programme (dibao: a single-person unit).
    new = np.where(whole, outcome.dibao.amount[row], 0)
    per_person = (
        outcome.dibao.single_amount,
        outcome.tekun.amount,
        outcome.children.amount,
        outcome.disability.amount,
        outcome.elderly.amount,
    )
    for code, amounts in enumerate(per_person):
        mine = person & (programme == code)
        new[mine] = amounts[prow[mine]]
    reason = outcome.dibao.reason[row]
    phase = whole & (reason == f.Dibao.PHASE_OUT)
    review = np.where(whole, ~outcome.dibao.eligible[row], new == 0) & ~phase
    kind = np.select([phase, review], [1, 2], default=0)
    new = np.where(phase | review, old, new)
    changed = (new != old) | phase | review
    # Months paid at the old amount: from the effective month (or the start) to the month
    # of the computation; a lowered amount is not recovered.
    first = np.maximum(month_index(ymd_of_days(start)), month_index(np.array([ymd(effective)])))
    months = np.maximum(month_index(np.array([ymd(computed)])) - first, 0)
    arrears = np.where(kind == 0, np.maximum(new - old, 0) * months, 0)
    phase_months = np.where(
        households.registered_poor[row], params.phase_out_months_poor, params.phase_out_months_other
    )
    return {
        "rid": rid[changed],
        "hid": hid[chosen][changed],
        "programme": programme[changed],
        "town": town[row][changed],
        "kind": kind[changed],
        "old": old[changed],
        "new": new[changed],
        "months": np.where(arrears > 0, months, 0)[changed],
        "arrears": arrears[changed],
        "phase_months": np.where(phase, phase_months, 0)[changed],
    }


def _town_summary(cols: dict[str, I64]) -> list[dict[str, Any]]:
    """One row per town and programme: how many change which way, and the money."""
    names = {
        region.code[:9]: region.name
        for region in Region.objects.filter(level=RegionLevel.TOWN).only("code", "name")
    }
    keys, inverse = np.unique(cols["town"] * len(REPRICED) + cols["programme"], return_inverse=True)

    def by_row(values: I64) -> list[int]:
        # Float sums are exact below 2**53 fen.
        return [round(v) for v in np.bincount(inverse, weights=values, minlength=len(keys))]

    kind = cols["kind"]
    amount = kind == 0
    sums = {
        "raised": by_row(amount & (cols["new"] > cols["old"])),
        "lowered": by_row(amount & (cols["new"] < cols["old"])),
        "phase_out": by_row(kind == 1),
        "review": by_row(kind == 2),
        "old_fen": by_row(np.where(amount, cols["old"], 0)),
        "new_fen": by_row(np.where(amount, cols["new"], 0)),
        "arrears_fen": by_row(cols["arrears"]),
    }
    rows = []
    for i, key in enumerate(keys.tolist()):
        code, programme = str(key // len(REPRICED)), REPRICED[key % len(REPRICED)]
        rows.append(
            {"code": code, "name": names.get(code, code), "programme": programme.value}
            | {name: values[i] for name, values in sums.items()}
        )
    return rows


COPY_BATCH = 200_000


def _labels(codes: I64, labels: list[str]) -> pa.Array:
    """Integer codes as the text of their labels, built in Arrow from the few labels (a
    numpy array of strings converts a value at a time)."""
    indices = pa.array(codes.astype(np.int32))
    return pa.DictionaryArray.from_arrays(indices, pa.array(labels)).cast(pa.string())


def write_changes(repricing: Repricing, cols: dict[str, I64]) -> None:
    """The changes in one bulk insert: binary COPY on PostgreSQL (batches encoded while the
    server inserts the last), executemany on SQLite."""
    n = len(cols["rid"])
    if n == 0:
        return
    first_id = max_used_id(RepricingChange) + 1
    towns, town_rows = np.unique(cols["town"], return_inverse=True)
    values: dict[str, Any] = {
        "id": np.arange(first_id, first_id + n, dtype=np.int64),
        "repricing_id": np.full(n, repricing.pk, dtype=np.int64),
        "recipient_id": cols["rid"],
        "household_id": cols["hid"],
        "programme": _labels(cols["programme"], [p.value for p in REPRICED]),
        "town_code": _labels(town_rows, [str(code) for code in towns.tolist()]),
        "kind": _labels(cols["kind"], [kind.value for kind in KIND_CODES]),
        "old_fen": cols["old"],
        "new_fen": cols["new"],
        "arrears_months": cols["months"],
        "arrears_fen": cols["arrears"],
        "phase_out_months": cols["phase_months"],
    }
    table = RepricingChange._meta.db_table
    if connection.vendor != "postgresql":
        columns = [
            Column(name, "text", v.to_pylist())
            if isinstance(v, pa.Array)
            else Column(name, "int", v)
            for name, v in values.items()
        ]
        write_table(Table(table, columns), {})
        return
    whole = pa.record_batch(
        {name: v if isinstance(v, pa.Array) else pa.array(v) for name, v in values.items()}
    )
    types, nullable = pgcopy.model_columns(RepricingChange)
    names, chunks = pgcopy.binary_copy(
        (whole.slice(at, COPY_BATCH) for at in range(0, n, COPY_BATCH)),
        {name: types[name] for name in values},
        nullable,
    )
    with connection.cursor() as cursor:
        # A writer thread feeds the server, so that the next batch is encoded meanwhile.
        writer = QueuedLibpqWriter(cursor.cursor)
        sql = f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT binary)"
        with connection.wrap_database_errors, cursor.cursor.copy(sql, writer=writer) as copy:
            for chunk in chunks:
                copy.write(chunk)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first_id + n - 1]
        )


def compute_repricing(
    effective: dt.date,
    actor: User | None = None,
    progress: Callable[[int], None] = lambda percent: None,
    computed: dt.date | None = None,
) -> Repricing:
    """Every current recipient's change under the parameters in force from `effective`
    (`computed`: the month of the computation, this month unless given)."""
    started = time.perf_counter()
    effective = first_of_month(effective)
    computed = first_of_month(computed or timezone.localdate())
    ParameterSet.load(effective)  # no parameters that month: refused before any read
    digest = parameters_digest()
    progress(5)
    recipients = read_numbers(recipients_sql(), 7, order=(1,))
    raw = read_registry()
    progress(60)
    cols = changes(raw, recipients, effective, computed)
    progress(80)
    with transaction.atomic():
        repricing = Repricing.objects.create(
            effective_month=effective,
            computed_month=computed,
            parameters_digest=digest,
            recipients=int(recipients[4].sum()),
            towns=_town_summary(cols),
            created_by=actor,
        )
        write_changes(repricing, cols)
        repricing.seconds = time.perf_counter() - started
        repricing.save(update_fields=["seconds"])
    return repricing


@task("cases.reprice")
def reprice_task(params: dict[str, Any], report: Callable[[int], None]) -> dict[str, Any]:
    """The re-pricing as a background task; the page then shows the run by town."""
    actor = User.objects.filter(pk=params.get("actor") or 0).first()
    repricing = compute_repricing(dt.date.fromisoformat(params["month"]), actor, report)
    return {"repricing": repricing.pk, "seconds": round(repricing.seconds, 2)}


def _apply(repricing: Repricing) -> int:
    """The set-based UPDATEs: amounts, then each phase-out length's recipients (a few
    lengths). Only recipients still active at the amount the run read are touched."""
    table = Recipient._meta.db_table
    match = (
        f"FROM {RepricingChange._meta.db_table} c WHERE c.repricing_id = %s "
        f"AND c.recipient_id = {table}.id AND c.kind = %s"
    )
    unchanged = (
        f"WHERE status = '{RecipientStatus.ACTIVE.value}' AND EXISTS (SELECT 1 {match} "
        f"AND c.old_fen = {yuan_to_fen('monthly_amount')}{{extra}})"
    )
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET monthly_amount = (SELECT CAST(c.new_fen AS NUMERIC) / 100 "
            f"{match}), updated_at = %s {unchanged.format(extra='')}",
            [repricing.pk, Kind.AMOUNT.value, now, repricing.pk, Kind.AMOUNT.value],
        )
        changed = cursor.rowcount
        lengths = (
            repricing.changes.filter(kind=Kind.PHASE_OUT)
            .values_list("phase_out_months", flat=True)
            .distinct()
        )
        for months in sorted(set(lengths)):
            cursor.execute(
                f"UPDATE {table} SET status = %s, phase_out_until = %s, updated_at = %s "
                + unchanged.format(extra=" AND c.phase_out_months = %s"),
                [
                    RecipientStatus.PHASE_OUT.value,
                    add_months(repricing.effective_month, months - 1),
                    now,
                    repricing.pk,
                    Kind.PHASE_OUT.value,
                    months,
                ],
            )
            changed += cursor.rowcount
    return changed


def confirm_repricing(repricing: Repricing, actor: User) -> int:
    """Apply a computed run (county administrator); the recipients changed since it was
    computed (amount or status) are left alone. Returns how many recipients changed."""
    require(actor, Capability.MANAGE_STANDARDS)
    with transaction.atomic():
        locked = Repricing.objects.select_for_update().get(pk=repricing.pk)
        if locked.state != Repricing.State.COMPUTED:
            raise DomainError("该次重新核定已经确认，不能重复确认。")
        if locked.parameters_digest != parameters_digest():
            raise DomainError("测算后政策参数已有变动，本次结果已过时，请重新测算后再确认。")
        changed = _apply(locked)
        locked.state = Repricing.State.CONFIRMED
        locked.confirmed_by = actor
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["state", "confirmed_by", "confirmed_at"])
        record_audit(
            actor,
            "confirm_repricing",
            locked,
            {"effective_month": f"{locked.effective_month:%Y-%m}", "recipients": changed},
        )
    return changed
