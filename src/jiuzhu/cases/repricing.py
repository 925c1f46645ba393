"""A new standard re-prices every current dibao recipient from its effective month.

`compute_repricing` reads the registry with the batch engine's set-based reads
(`jiuzhu.policy.batch`), the current household recipients in one query, computes each
recipient's dibao at the parameters in force in the effective month (the recipient's
amount as the previous amount, so an income now above the line starts the phase-out) and
writes only what changes, in bulk: the old and new amount, the arrears of the months
already paid at the old amount (effective month up to the month of the computation,
never before the recipient's start) and the phase-out's last month. It runs as the
background task "cases.reprice".

`confirm_repricing` (a county administrator) applies the changes by one set-based UPDATE
from the effective month: recipients' amounts, or their phase-out; a recipient no longer
eligible for another reason (property, public payroll) is listed for a case review and
left as it is. The payroll of the recipient's town then pays the new amount, and one
arrears line for each confirmed, unpaid rise (payments/payroll). A lowered amount is not
recovered for past months. A run whose parameters changed since is refused.
"""

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from jiuzhu.core.bulk import Column, Table, max_used_id, write_table
from jiuzhu.core.columnar import date_int, read_numbers, yuan_to_fen
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

from .models import Recipient, RecipientStatus, Repricing, RepricingChange

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


def recipients_sql() -> str:
    """The household dibao recipients being paid in full (not in phase-out, not suspended):
    (id, household id, monthly amount in fen, start month YYYYMMDD)."""
    return (
        f"SELECT id, household_id, {yuan_to_fen('monthly_amount')}, {date_int('start_month')} "
        f"FROM {Recipient._meta.db_table} WHERE programme = '{Programme.DIBAO.value}' "
        f"AND status = '{RecipientStatus.ACTIVE.value}' AND person_id IS NULL"
    )


def changes(
    raw: Raw, recipients: list[I64], effective: dt.date, computed: dt.date
) -> dict[str, I64]:
    """The recipients whose dibao changes from `effective`, as columns (pure arithmetic)."""
    rid, hid, old, start = recipients
    params = f.Params.from_set(ParameterSet.load(effective))
    households, persons, household_ids, town = columns(raw, effective, params)
    row = np.searchsorted(household_ids, hid)
    known = np.zeros(len(hid), dtype=bool)
    if len(household_ids):
        known = household_ids[np.clip(row, 0, len(household_ids) - 1)] == hid
    rid, hid, old, start, row = rid[known], hid[known], old[known], start[known], row[known]
    households.dibao_recipient[row] = True
    households.months_above_line[:] = 1
    households.previous_amount[row] = old
    amount, eligible, reason = f.dibao_only(households, persons, params)
    new, eligible, reason = amount[row], eligible[row], reason[row]
    phase = reason == f.Dibao.PHASE_OUT
    review = ~eligible & ~phase
    kind = np.select([phase, review], [1, 2], default=0)
    new = np.where(phase | review, old, new)
    changed = (new != old) | phase | review
    # Months paid at the old amount: from the effective month (or the start) to the month
    # of the computation; a lowered amount is not recovered.
    first = np.maximum(month_index(start), month_index(np.array([ymd(effective)])))
    months = np.maximum(month_index(np.array([ymd(computed)])) - first, 0)
    arrears = np.where(kind == 0, np.maximum(new - old, 0) * months, 0)
    phase_months = np.where(
        households.registered_poor[row], params.phase_out_months_poor, params.phase_out_months_other
    )
    return {
        "rid": rid[changed],
        "hid": hid[changed],
        "town": town[row][changed],
        "kind": kind[changed],
        "old": old[changed],
        "new": new[changed],
        "months": np.where(arrears > 0, months, 0)[changed],
        "arrears": arrears[changed],
        "phase_months": np.where(phase, phase_months, 0)[changed],
    }


def _town_summary(cols: dict[str, I64]) -> list[dict[str, Any]]:
    names = {
        region.code[:9]: region.name
        for region in Region.objects.filter(level=RegionLevel.TOWN).only("code", "name")
    }
    codes, inverse = np.unique(cols["town"], return_inverse=True)

    def by_town(values: I64) -> list[int]:
        out = np.zeros(len(codes), dtype=np.int64)
        np.add.at(out, inverse, values)
        return [int(v) for v in out]

    kind = cols["kind"]
    amount = kind == 0
    sums = {
        "raised": by_town(amount & (cols["new"] > cols["old"])),
        "lowered": by_town(amount & (cols["new"] < cols["old"])),
        "phase_out": by_town(kind == 1),
        "review": by_town(kind == 2),
        "old_fen": by_town(np.where(amount, cols["old"], 0)),
        "new_fen": by_town(np.where(amount, cols["new"], 0)),
        "arrears_fen": by_town(cols["arrears"]),
    }
    return [
        {"code": str(code), "name": names.get(str(code), str(code))}
        | {name: values[i] for name, values in sums.items()}
        for i, code in enumerate(codes)
    ]


def write_changes(repricing: Repricing, cols: dict[str, I64]) -> None:
    """The changes in one bulk insert (COPY on PostgreSQL)."""
    n = len(cols["rid"])
    first_id = max_used_id(RepricingChange) + 1
    kinds = np.array([kind.value for kind in KIND_CODES])[cols["kind"]]
    table = Table(
        RepricingChange._meta.db_table,
        [
            Column("id", "int", np.arange(first_id, first_id + n, dtype=np.int64)),
            Column("repricing_id", "int", np.full(n, repricing.pk, dtype=np.int64)),
            Column("recipient_id", "int", cols["rid"]),
            Column("household_id", "int", cols["hid"]),
            Column("town_code", "text", cols["town"].astype(str)),
            Column("kind", "text", kinds),
            Column("old_fen", "int", cols["old"]),
            Column("new_fen", "int", cols["new"]),
            Column("arrears_months", "int", cols["months"]),
            Column("arrears_fen", "int", cols["arrears"]),
            Column("phase_out_months", "int", cols["phase_months"]),
        ],
    )
    write_table(table, {})
    if connection.vendor == "postgresql" and n:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [RepricingChange._meta.db_table, first_id + n - 1],
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
    recipients = read_numbers(recipients_sql(), 4, order=(1,))
    raw = read_registry()
    progress(60)
    cols = changes(raw, recipients, effective, computed)
    progress(80)
    with transaction.atomic():
        repricing = Repricing.objects.create(
            effective_month=effective,
            computed_month=computed,
            parameters_digest=digest,
            recipients=len(recipients[0]),
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
