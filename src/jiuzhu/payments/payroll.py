"""The payroll computation: one set-based read, column arithmetic, one bulk write.

One code path for one recipient and a million. One query reads each recipient with its
payee's name, ID number and valid account: numbers become numpy columns (ids, amounts in
fen, dates as YYYYMMDD integers) and the snapshot strings stay in an Arrow table that is
only indexed, never turned into Python objects on PostgreSQL. The computed lines go back
in one COPY (PostgreSQL) or one executemany (SQLite) straight into the lines table.

Rules (documented here, parameters in policy `payments.*`):
- The amount is the recipient's monthly amount as decided by the policy engine at the
  decision or the last review (Recipient.monthly_amount). A new standard reaches the
  payroll through the reviews it triggers; the line's reason says "按审核确认金额".
- A recipient is in the payroll for month M when start_month ≤ last day of M, end_month
  (exclusive: termination sets the first month not paid) is after the 1st of M, and it is
  not suspended. Suspended: nothing that month, and no back pay for it.
- First and last month: a decision starts on the 1st of the month after approval and a
  termination ends on the 1st of the next month, so both are full months. When a start or
  end date falls inside a month and `payments.prorate_by_days` is 1, the month is paid by
  days (start day counted, end day not), rounded half up to the fen.
- Phase-out: paid up to and including the month of phase_out_until, tapered by
  `dibao.phase_out_taper` (percent for the 1st, 2nd … month of the phase-out; the monthly
  amount recorded at the start of the phase-out is the 1st month's).
- Arrears: a recipient whose start month is before the current month and who is missing
  from an approved payroll of the same town for a month they were entitled to (a decision
  that came late) gets one itemised line per missed month, at that month's rules, at most
  `payments.arrears_max_months` back.
- Recoveries: open claims of the household are netted against its lines, at most the
  claim's instalment per payroll and never below zero.
"""

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from django.db import IntegrityError, connection
from psycopg.copy import QueuedLibpqWriter
from psycopg.pq import TransactionStatus

from jiuzhu.cases import columnar as cases_columnar
from jiuzhu.cases.models import RecipientStatus
from jiuzhu.core import pgcopy
from jiuzhu.core.columnar import codes, date_int, read_columns, yuan_to_fen
from jiuzhu.core.errors import DomainError
from jiuzhu.core.months import add_months, month_index, ymd
from jiuzhu.core.programmes import Programme
from jiuzhu.payments.models import LineKind, PayrollKind, PayrollLine, Reason, line_id
from jiuzhu.policy.accessors import Payment, PhaseOut, dibao_standard_fen, has_dibao_standards
from jiuzhu.policy.parameters import ParameterSet
from jiuzhu.registry.columnar import heads_sql, households_sql, persons_sql
from jiuzhu.registry.models import HukouType

I64 = npt.NDArray[np.int64]
PROGRAMMES = list(Programme.values)
STATUS_CODES = {
    RecipientStatus.ACTIVE.value: 0,
    RecipientStatus.PHASE_OUT.value: 1,
    RecipientStatus.SUSPENDED.value: 2,
    RecipientStatus.ENDED.value: 3,
}
KIND_CODES = {LineKind.REGULAR: 0, LineKind.ARREARS: 1, LineKind.REISSUE: 2}
KINDS = list(KIND_CODES)


@dataclass(frozen=True)
class Rules:
    """The parameters one month's lines are computed with."""

    month: dt.date
    phase_out: PhaseOut
    payment: Payment
    used: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls, month: dt.date) -> "Rules":
        """Everything in force on the 1st of the month; refused if a standard is missing."""
        parameters = ParameterSet.load(month)
        if not has_dibao_standards(parameters):
            raise DomainError(
                f"{month:%Y年%m月}没有生效的低保标准，不能生成发放名册。"
                "请先由县级管理员录入该月适用的标准。",
                field="month",
            )
        for area in HukouType:
            dibao_standard_fen(parameters, area)  # recorded as used, with the payroll
        rules = cls(
            month=month,
            phase_out=PhaseOut.from_set(parameters),
            payment=Payment.from_set(parameters),
        )
        rules.used.update(
            {
                k: {"value": str(v.value), "from": v.effective_from.isoformat()}
                for k, v in parameters.used.items()
            }
        )
        return rules


# Read with each recipient and frozen into its lines beside the numbers: the recipient's
# area, its payee's name and ID number, and the payee's valid account (0 / '' if none).
DETAIL_COLUMNS = (
    "region_code",
    "payee_name",
    "id_number",
    "account_id",
    "bank",
    "account_number",
    "holder_name",
)

RECIPIENT_NUMBERS = (
    *("rid", "hid", "payee", "programme", "status"),
    *("monthly", "start", "end", "phase_until", "poor"),
)


@dataclass
class Recipients:
    """The recipient columns the payroll needs, one row per recipient."""

    rid: I64
    hid: I64
    payee: I64  # 0 when the household has no head to pay
    programme: I64  # index into PROGRAMMES
    status: I64
    monthly: I64  # fen
    start: I64  # YYYYMMDD
    end: I64  # YYYYMMDD, 0 = open
    phase_until: I64  # YYYYMMDD, 0 = none
    poor: I64
    details: pa.Table  # DETAIL_COLUMNS, row-aligned

    @property
    def n(self) -> int:
        return len(self.rid)

    def take(self, rows: I64) -> "Recipients":
        columns = {k: getattr(self, k)[rows] for k in RECIPIENT_NUMBERS}
        return Recipients(**columns, details=self.details.take(pa.array(rows)))


def recipients_sql(prefix: str, month: dt.date) -> tuple[str, list[Any]]:
    """Recipients of a town possibly paid in `month` (and the ones that ended in it), each
    with the payee snapshot: 10 integer columns, then DETAIL_COLUMNS. The recipients come
    from the cases app's select, the head, payee and household from the registry's."""
    recipients, params = cases_columnar.recipients_sql(prefix, month)
    sql = (
        f"SELECT r.id, r.household_id, COALESCE(r.person_id, hm.person_id, 0), "
        f"{codes('r.programme', PROGRAMMES, 0)}, {codes('r.status', STATUS_CODES, 3)}, "
        f"{yuan_to_fen('r.monthly_amount')}, "
        f"{date_int('r.start_month')}, {date_int('r.end_month')}, "
        f"{date_int('r.phase_out_until')}, h.registered_poor, "
        "r.region_code, COALESCE(p.name, ''), COALESCE(p.id_number, ''), COALESCE(a.id, 0), "
        "COALESCE(a.bank, ''), COALESCE(a.account_number, ''), COALESCE(a.holder_name, '') "
        f"FROM ({recipients}) r JOIN ({households_sql()}) h ON h.id = r.household_id "
        f"LEFT JOIN ({heads_sql()}) hm ON r.person_id IS NULL "
        "AND hm.household_id = r.household_id "
        f"LEFT JOIN ({persons_sql()}) p ON p.id = COALESCE(r.person_id, hm.person_id) "
        "LEFT JOIN payments_bankaccount a ON a.person_id = p.id AND a.valid "
        "ORDER BY r.id"
    )
    return sql, params


def read_recipients(prefix: str, month: dt.date) -> Recipients:
    sql, params = recipients_sql(prefix, month)
    numbers, details = read_columns(sql, params, 10, DETAIL_COLUMNS)
    r = Recipients(**dict(zip(RECIPIENT_NUMBERS, numbers, strict=True)), details=details)
    if r.n and np.any(r.rid[1:] == r.rid[:-1]):  # two open "head" rows: pay one line
        keep = np.concatenate([[True], r.rid[1:] != r.rid[:-1]])
        r = r.take(np.flatnonzero(keep))
    return r


@dataclass
class Amounts:
    amount: I64
    reason: I64
    share_permille: I64


def month_amounts(r: Recipients, month: dt.date, rules: Rules) -> Amounts:
    """Each recipient's amount for `month` (0 where nothing is due). Pure column arithmetic."""
    n = r.n
    m0 = ymd(month)
    m1 = ymd(add_months(month, 1))
    days = (add_months(month, 1) - month).days
    due = (r.start < m1) & ((r.end == 0) | (r.end > m0)) & (r.status != STATUS_CODES["suspended"])
    base = r.monthly.copy()
    reason = np.full(n, Reason.DECIDED, dtype=np.int64)

    # Phase-out: tapered by month of the phase-out, nothing after its last month.
    phase = (r.status == STATUS_CODES["phase_out"]) & (r.phase_until > 0)
    due &= ~phase | (r.phase_until >= m0)
    total = np.where(
        r.poor == 1, rules.phase_out.months_registered_poor, rules.phase_out.months_other
    )
    k = month_index(np.full(n, m0, dtype=np.int64)) - (month_index(r.phase_until) - (total - 1))
    taper_percent = rules.phase_out.taper_percent
    taper = np.asarray((*taper_percent, *([taper_percent[-1]] * 36)), dtype=np.int64)
    pct = taper[np.clip(k, 0, len(taper) - 1)]
    first_pct = max(int(taper[0]), 1)
    tapered = (base * pct * 2 + first_pct) // (2 * first_pct)
    base = np.where(phase, tapered, base)
    reason = np.where(phase & (pct != first_pct), Reason.PHASE_OUT, reason)

    # Pro-rata by days when a start or end date falls inside the month.
    paid_days = np.full(n, days, dtype=np.int64)
    if rules.payment.prorate_by_days:
        start_in = (r.start > m0) & (r.start < m1)
        end_in = (r.end > m0) & (r.end < m1)
        first_day = np.where(start_in, r.start % 100, 1)
        stop_day = np.where(end_in, r.end % 100, days + 1)
        paid_days = np.clip(stop_day - first_day, 0, days)
        reason = np.where(start_in, Reason.FIRST_PRORATA, reason)
        reason = np.where(end_in & ~start_in, Reason.LAST_PRORATA, reason)
    amount = (base * paid_days * 2 + days) // (2 * days)
    amount = np.where(due, amount, 0)
    share = np.where(due, (paid_days * 1000 * 2 + days) // (2 * days), 0)
    return Amounts(amount.astype(np.int64), reason, share.astype(np.int64))


@dataclass
class Lines:
    """Computed lines, column-wise, before they are written."""

    kind: I64
    for_month: npt.NDArray[np.datetime64]
    row: I64  # the recipient's row, for its payee snapshot
    rid: I64
    hid: I64
    payee: I64
    programme: I64
    reason: I64
    share: I64
    amount: I64
    recovery: I64
    claim: I64  # 0 = none
    origin: I64  # 0 = none

    @property
    def n(self) -> int:
        return len(self.rid)

    @property
    def net(self) -> I64:
        return self.amount - self.recovery


def arrears_sql(
    town_id: int, prefix: str, month: dt.date, earliest: dt.date
) -> tuple[str, list[Any]]:
    """Missed months: approved payrolls of the town a recipient was entitled to be in but is
    not (only recipients whose start month lies inside the arrears window are considered)."""
    # A start in the middle of a month counts that month: compare with the month's 1st.
    started, params = cases_columnar.recipients_started_sql(prefix, add_months(earliest, -1), month)
    sql = (
        f"SELECT r.id, {date_int('p.month')} FROM ({started}) r "
        f"JOIN payments_payroll p ON p.town_id = %s AND p.kind = '{PayrollKind.REGULAR.value}' "
        "AND p.locked AND p.month >= %s AND p.month < %s AND p.month >= r.start_month "
        "AND (r.end_month IS NULL OR r.end_month > p.month) "
        "WHERE NOT EXISTS (SELECT 1 FROM payments_payrollline l "
        "WHERE l.recipient_id = r.id AND l.for_month = p.month) ORDER BY r.id, p.month"
    )
    return sql, [*params, town_id, earliest, month]


def compute_lines(
    r: Recipients,
    month: dt.date,
    rules: Rules,
    arrears: tuple[I64, I64] | None = None,
    arrears_rules: dict[dt.date, Rules] | None = None,
) -> Lines:
    """Regular lines for the month, then one arrears line per (recipient, missed month)."""
    a = month_amounts(r, month, rules)
    sel = np.flatnonzero((a.amount > 0) & (r.payee > 0))
    parts: list[tuple[int, Any, I64, Amounts]] = [(0, month, sel, a)]
    if arrears is not None and len(arrears[0]):
        a_rid, a_month = arrears
        row_of = np.searchsorted(r.rid, a_rid)
        row_of = np.clip(row_of, 0, max(r.n - 1, 0))
        known = (r.n > 0) & (r.rid[row_of] == a_rid) if r.n else np.zeros(len(a_rid), bool)
        for value in np.unique(a_month[known]):
            missed = dt.date(int(value) // 10000, int(value) // 100 % 100, 1)
            rows = row_of[known & (a_month == value)]
            sub = r.take(rows)
            am = month_amounts(sub, missed, (arrears_rules or {}).get(missed, rules))
            ok = np.flatnonzero((am.amount > 0) & (sub.payee > 0))
            am.reason[:] = Reason.ARREARS
            parts.append(
                (1, missed, rows[ok], Amounts(am.amount[ok], am.reason[ok], am.share_permille[ok]))
            )
    kinds, months, row, reason, share, amount = [], [], [], [], [], []
    for kind, for_month, rows, am in parts:
        if kind == 0:
            amt, rsn, shr = am.amount[rows], am.reason[rows], am.share_permille[rows]
        else:
            amt, rsn, shr = am.amount, am.reason, am.share_permille
        kinds.append(np.full(len(rows), kind, dtype=np.int64))
        months.append(np.full(len(rows), np.datetime64(for_month, "D")))
        row.append(rows)
        reason.append(rsn)
        share.append(shr)
        amount.append(amt)
    rows = np.concatenate(row)
    zeros = np.zeros(len(rows), dtype=np.int64)
    return Lines(
        kind=np.concatenate(kinds),
        for_month=np.concatenate(months),
        row=rows,
        rid=r.rid[rows],
        hid=r.hid[rows],
        payee=r.payee[rows],
        programme=r.programme[rows],
        reason=np.concatenate(reason),
        share=np.concatenate(share),
        amount=np.concatenate(amount),
        recovery=zeros.copy(),
        claim=zeros.copy(),
        origin=zeros.copy(),
    )


@dataclass
class OpenClaim:
    id: int
    household_id: int
    deductible: int  # fen this payroll may net: min(instalment, balance)


def net_recoveries(lines: Lines, claims: list[OpenClaim]) -> None:
    """Net each claim against its household's lines in line order, never below zero."""
    if not claims or lines.n == 0:
        return
    wanted = np.array([c.household_id for c in claims], dtype=np.int64)
    candidates = np.flatnonzero(np.isin(lines.hid, wanted))
    by_household: dict[int, list[int]] = {}
    for row in candidates.tolist():
        by_household.setdefault(int(lines.hid[row]), []).append(row)
    for claim in claims:
        left = claim.deductible
        for i in by_household.get(claim.household_id, []):
            if left <= 0:
                break
            room = int(lines.amount[i] - lines.recovery[i])
            if room <= 0 or lines.claim[i] not in (0, claim.id):
                continue
            take = min(room, left)
            lines.recovery[i] += take
            lines.claim[i] = claim.id
            left -= take


def _line_batch(
    payroll_id: int, lines: Lines, r: Recipients, first_line_no: int, rows: slice
) -> pa.RecordBatch:
    """The lines in `rows` as they are stored, with their payees' snapshot."""
    n = len(range(*rows.indices(lines.n)))
    details = r.details.take(pa.array(lines.row[rows]))
    account = details.column("account_id").to_numpy()
    line_no = np.arange(n, dtype=np.int64) + (first_line_no + (rows.start or 0))
    claim, origin = lines.claim[rows], lines.origin[rows]
    return pa.record_batch(
        {
            "id": pa.array(line_id(payroll_id, 0) + line_no),
            "payroll_id": pa.array(np.full(n, payroll_id, dtype=np.int64)),
            "line_no": pa.array(line_no),
            "kind": pa.array(np.array([k.value for k in KINDS], dtype=object)[lines.kind[rows]]),
            "for_month": pa.array(lines.for_month[rows]),
            "recipient_id": pa.array(lines.rid[rows]),
            "household_id": pa.array(lines.hid[rows]),
            "payee_id": pa.array(lines.payee[rows]),
            "programme": pa.array(np.array(PROGRAMMES, dtype=object)[lines.programme[rows]]),
            "reason": pa.array(lines.reason[rows]),
            "share_permille": pa.array(lines.share[rows]),
            "amount_fen": pa.array(lines.amount[rows]),
            "recovery_fen": pa.array(lines.recovery[rows]),
            "net_fen": pa.array(lines.net[rows]),
            "recovery_claim_id": pa.array(claim, mask=claim == 0),
            "origin_line_id": pa.array(origin, mask=origin == 0),
            **{name: details.column(name).combine_chunks() for name in DETAIL_COLUMNS},
            "account_id": pa.array(account, mask=account == 0),
        }
    )


COPY_BATCH = 50_000


def write_lines(payroll_id: int, lines: Lines, r: Recipients, first_line_no: int = 1) -> int:
    """Bulk insert of the computed lines with their payees' snapshot, straight into the
    lines table: binary COPY on PostgreSQL, one executemany on SQLite."""
    if lines.n == 0:
        return 0
    n = lines.n
    with connection.cursor() as cursor, insert_guard_lifted(cursor, payroll_id):
        if connection.vendor == "postgresql":
            # Each batch is built, encoded and handed over while the server inserts the last.
            first = _line_batch(payroll_id, lines, r, first_line_no, slice(0, COPY_BATCH))
            rest = (
                _line_batch(payroll_id, lines, r, first_line_no, slice(at, at + COPY_BATCH))
                for at in range(COPY_BATCH, n, COPY_BATCH)
            )
            types, nullable = pgcopy.model_columns(PayrollLine)
            columns, chunks = pgcopy.binary_copy(
                itertools.chain([first], rest),
                {name: types[name] for name in first.schema.names},
                nullable,
            )
            copy_sql = (
                f"COPY payments_payrollline ({', '.join(columns)}) FROM STDIN (FORMAT binary)"
            )
            # A writer thread feeds the server from a queue, so that encoding goes on while
            # the server inserts (the default writer waits for each chunk to be taken).
            writer = QueuedLibpqWriter(cursor.cursor)
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(copy_sql, writer=writer) as copy,
            ):
                for chunk in chunks:
                    copy.write(chunk)
        else:
            # A column with one value on every line (the payroll, mostly the kind and the
            # month, no recovery) goes in as a literal: each bound value costs per line. The
            # line id is always bound, so that even a single line is one row to insert.
            table = pa.Table.from_batches(
                [_line_batch(payroll_id, lines, r, first_line_no, slice(0, n))]
            )
            names, values, bound = [], [], []
            for name, column in zip(table.column_names, table.columns, strict=True):
                if name != "id" and _one_value(column):
                    names.append(name)
                    values.append(_sql_literal(column[0].as_py()))
            for name, column in zip(table.column_names, table.columns, strict=True):
                if name not in names:
                    names.append(name)
                    values.append("?")
                    bound.append(_python_values(column))
            # sqlite3's own executemany streams the rows (Django's wrapper would need a list).
            with connection.wrap_database_errors:
                connection.connection.executemany(
                    f"INSERT INTO payments_payrollline ({', '.join(names)}) "
                    f"VALUES ({', '.join(values)})",
                    zip(*bound, strict=True),
                )
    return n


# The guards that refuse lines of a locked or missing payroll (migration 0003): SQLite's
# runs per line, PostgreSQL's per statement over a transition table of every inserted row.
INSERT_GUARD = {"sqlite": "payments_line_locked_insert", "postgresql": "payments_line_insert_check"}


@contextmanager
def insert_guard_lifted(cursor: Any, payroll_id: int) -> Iterator[None]:
    """A bulk load of one payroll's lines lifts the insert guard inside its own transaction,
    checks the payroll once as the guard would, and puts the guard back before commit. A
    million lines cost the guard seconds: SQLite runs a trigger per line (~6 µs, more than
    the insert) and PostgreSQL spills the transition table to disk.
    Nobody else can write lines meanwhile (SQLite's IMMEDIATE transaction holds the only
    write lock; PostgreSQL's ALTER TABLE takes a lock every other writer of the table waits
    for, while readers go on) and nobody sees the guard missing: the change is part of the
    uncommitted transaction, and a rollback restores it."""
    if not connection.in_atomic_block:
        raise RuntimeError("payroll lines are written inside a transaction")
    name = INSERT_GUARD[connection.vendor]
    pg = connection.vendor == "postgresql"
    lock = " FOR SHARE" if pg else ""
    cursor.execute(f"SELECT locked FROM payments_payroll WHERE id = %s{lock}", [payroll_id])
    payroll = cursor.fetchone()
    if payroll is None or payroll[0]:
        raise IntegrityError("payroll is locked or missing")
    if pg:
        # ALTER TABLE refuses while deferred checks on the table are pending (lines deleted
        # earlier in the transaction): run them now, then defer again as Django declares.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"ALTER TABLE payments_payrollline DISABLE TRIGGER {name}")
        restore = f"ALTER TABLE payments_payrollline ENABLE TRIGGER {name}"
    else:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [name])
        guard = cursor.fetchone()
        if guard is None:  # nothing to lift
            yield
            return
        cursor.execute(f"DROP TRIGGER {name}")
        restore = guard[0]
    try:
        yield
    except BaseException:
        # A failed statement aborts a PostgreSQL transaction, whose rollback restores the
        # guard; while the transaction is still usable the guard goes back now.
        if not (pg and connection.connection.info.transaction_status == TransactionStatus.INERROR):
            cursor.execute(restore)
        raise
    cursor.execute(restore)


def _one_value(column: pa.ChunkedArray) -> bool:
    if column.null_count:
        return bool(column.null_count == len(column))
    return bool(pc.all(pc.equal(column, column[0])).as_py())


def _sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"  # text, or a date as ISO text


def _python_values(column: pa.ChunkedArray) -> list[Any]:
    """A column as the Python values sqlite3 binds fastest: ints through numpy, dates as the
    ISO text Django stores (sqlite3's date adapter is a Python call per value)."""
    if pa.types.is_date32(column.type):
        return column.cast(pa.string()).to_pylist()
    if pa.types.is_int64(column.type) and column.null_count == 0:
        return column.to_numpy().tolist()
    return column.to_pylist()


def totals(lines: Lines) -> dict[str, Any]:
    """Totals by programme and kind, in fen (computed from the columns, no query)."""
    out: dict[str, Any] = {"by_programme": {}, "by_kind": {}}
    if lines.n == 0:
        out.update(lines=0, amount_fen=0, recovery_fen=0, net_fen=0)
        return out
    out.update(
        lines=lines.n,
        amount_fen=int(lines.amount.sum()),
        recovery_fen=int(lines.recovery.sum()),
        net_fen=int(lines.net.sum()),
    )
    for code in np.unique(lines.programme):
        sel = lines.programme == code
        out["by_programme"][PROGRAMMES[int(code)]] = {
            "lines": int(sel.sum()),
            "amount_fen": int(lines.amount[sel].sum()),
            "net_fen": int(lines.net[sel].sum()),
        }
    for code in np.unique(lines.kind):
        sel = lines.kind == code
        out["by_kind"][KINDS[int(code)].value] = {
            "lines": int(sel.sum()),
            "net_fen": int(lines.net[sel].sum()),
        }
    return out
