"""The payroll's arithmetic, column by column and without a query: each recipient's amount
for a month (phase-out taper, pro-rata by days), the regular and arrears lines, recoveries
netted against them, and the totals. The rules are in the package's docstring."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from jiuzhu.core.columnar import positions
from jiuzhu.core.months import add_months, month_index, ymd
from jiuzhu.payments.models import Reason
from jiuzhu.payments.payroll.codes import I64, KINDS, PROGRAMMES, KindCode, StatusCode
from jiuzhu.payments.payroll.reading import Arrears, Recipients, StandardArrears, month_of
from jiuzhu.payments.payroll.rules import Rules

# The taper table is padded with its last percent, so that any month of a phase-out has one.
TAPER_PADDING = 36


@dataclass
class Amounts:
    """One month's amount, reason and share of the month (‰) per recipient row."""

    amount: I64
    reason: I64
    share_permille: I64

    def take(self, rows: I64) -> "Amounts":
        return Amounts(self.amount[rows], self.reason[rows], self.share_permille[rows])


def _phase_out_percent(recipients: Recipients, month_ymd: int, rules: Rules) -> tuple[I64, int]:
    """The taper percent of each recipient's month of phase-out that `month_ymd` is (1st
    month, 2nd …, counted back from phase_until), and the 1st month's percent."""
    months_in_phase = np.where(
        recipients.poor == 1, rules.phase_out.months_registered_poor, rules.phase_out.months_other
    )
    month_of_phase = month_index(np.full(recipients.n, month_ymd, dtype=np.int64)) - (
        month_index(recipients.phase_until) - (months_in_phase - 1)
    )
    taper_percent = rules.phase_out.taper_percent
    taper = np.asarray((*taper_percent, *([taper_percent[-1]] * TAPER_PADDING)), dtype=np.int64)
    percent = taper[np.clip(month_of_phase, 0, len(taper) - 1)]
    return percent, max(int(taper[0]), 1)


def _paid_days(
    recipients: Recipients, month_ymd: int, next_month_ymd: int, days: int, reason: I64
) -> tuple[I64, I64]:
    """Days paid of the month (start day counted, end day not) where a start or end date
    falls inside it, and the reasons updated to say so."""
    start_in = (recipients.start > month_ymd) & (recipients.start < next_month_ymd)
    end_in = (recipients.end > month_ymd) & (recipients.end < next_month_ymd)
    first_day = np.where(start_in, recipients.start % 100, 1)
    stop_day = np.where(end_in, recipients.end % 100, days + 1)
    paid_days = np.clip(stop_day - first_day, 0, days)
    reason = np.where(start_in, Reason.FIRST_PRORATA, reason)
    reason = np.where(end_in & ~start_in, Reason.LAST_PRORATA, reason)
    return paid_days, reason


def month_amounts(recipients: Recipients, month: dt.date, rules: Rules) -> Amounts:
    """Each recipient's amount for `month` (0 where nothing is due). Pure column arithmetic;
    amounts round half up to the fen."""
    month_ymd = ymd(month)
    next_month_ymd = ymd(add_months(month, 1))
    days = (add_months(month, 1) - month).days
    due = (
        (recipients.start < next_month_ymd)
        & ((recipients.end == 0) | (recipients.end > month_ymd))
        & (recipients.status != StatusCode.SUSPENDED)
    )
    base = recipients.monthly.copy()
    reason = np.full(recipients.n, Reason.DECIDED, dtype=np.int64)

    # Phase-out: tapered by month of the phase-out, nothing after its last month.
    phase = (recipients.status == StatusCode.PHASE_OUT) & (recipients.phase_until > 0)
    due &= ~phase | (recipients.phase_until >= month_ymd)
    percent, first_percent = _phase_out_percent(recipients, month_ymd, rules)
    tapered = (base * percent * 2 + first_percent) // (2 * first_percent)
    base = np.where(phase, tapered, base)
    reason = np.where(phase & (percent != first_percent), Reason.PHASE_OUT, reason)

    # Pro-rata by days when a start or end date falls inside the month.
    paid_days = np.full(recipients.n, days, dtype=np.int64)
    if rules.payment.prorate_by_days:
        paid_days, reason = _paid_days(recipients, month_ymd, next_month_ymd, days, reason)
    amount = (base * paid_days * 2 + days) // (2 * days)
    amount = np.where(due, amount, 0)
    share = np.where(due, (paid_days * 1000 * 2 + days) // (2 * days), 0)
    return Amounts(amount.astype(np.int64), reason, share.astype(np.int64))


@dataclass
class Lines:
    """Computed lines, column-wise, before they are written."""

    kind: I64  # KindCode
    for_month: npt.NDArray[np.datetime64]
    row: I64  # the recipient's row, for its payee snapshot
    rid: I64
    hid: I64
    payee: I64
    programme: I64
    members: I64
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


@dataclass
class _Part:
    """Lines of one kind and month: the recipient rows paid and their amounts."""

    kind: KindCode
    month: dt.date
    rows: I64
    amounts: Amounts


def _arrears_parts(recipients: Recipients, arrears: Arrears, rules: Rules) -> list[_Part]:
    """One part per missed month: its recipients' amounts at that month's rules."""
    row_of, known = positions(recipients.rid, arrears.rid)
    parts = []
    for value in np.unique(arrears.month[known]):
        missed = month_of(int(value))
        rows = row_of[known & (arrears.month == value)]
        owed = recipients.take(rows)
        amounts = month_amounts(owed, missed, arrears.rules.get(missed, rules))
        paid = np.flatnonzero((amounts.amount > 0) & (owed.payee > 0))
        amounts.reason[:] = Reason.ARREARS
        parts.append(_Part(KindCode.ARREARS, missed, rows[paid], amounts.take(paid)))
    return parts


def _standard_parts(recipients: Recipients, standard: StandardArrears) -> list[_Part]:
    """One arrears line per confirmed re-pricing's rise, for its effective month, of the
    recipients in this payroll with a payee."""
    if recipients.n == 0:
        return []
    row_of, found = positions(recipients.rid, standard.rid)
    known = found & (recipients.payee[row_of] > 0)
    parts = []
    for value in np.unique(standard.month[known]):
        chosen = known & (standard.month == value)
        fen = standard.fen[chosen]
        amounts = Amounts(
            fen.astype(np.int64),
            np.full(len(fen), Reason.STANDARD_CHANGE, dtype=np.int64),
            np.full(len(fen), 1000, dtype=np.int64),
        )
        parts.append(_Part(KindCode.ARREARS, month_of(int(value)), row_of[chosen], amounts))
    return parts


def compute_lines(
    recipients: Recipients,
    month: dt.date,
    rules: Rules,
    arrears: Arrears | None = None,
) -> Lines:
    """Regular lines for the month, then one arrears line per (recipient, missed month),
    then one per confirmed re-pricing's arrears."""
    regular = month_amounts(recipients, month, rules)
    paid = np.flatnonzero((regular.amount > 0) & (recipients.payee > 0))
    parts = [_Part(KindCode.REGULAR, month, paid, regular.take(paid))]
    if arrears is not None and len(arrears.rid):
        parts += _arrears_parts(recipients, arrears, rules)
    if arrears is not None and len(arrears.standard.rid):
        parts += _standard_parts(recipients, arrears.standard)
    rows = np.concatenate([part.rows for part in parts])
    zeros = np.zeros(len(rows), dtype=np.int64)
    return Lines(
        kind=np.concatenate([np.full(len(part.rows), part.kind, np.int64) for part in parts]),
        for_month=np.concatenate(
            [np.full(len(part.rows), np.datetime64(part.month, "D")) for part in parts]
        ),
        row=rows,
        rid=recipients.rid[rows],
        hid=recipients.hid[rows],
        payee=recipients.payee[rows],
        programme=recipients.programme[rows],
        members=recipients.members[rows],
        reason=np.concatenate([part.amounts.reason for part in parts]),
        share=np.concatenate([part.amounts.share_permille for part in parts]),
        amount=np.concatenate([part.amounts.amount for part in parts]),
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
    wanted = np.array([claim.household_id for claim in claims], dtype=np.int64)
    candidates = np.flatnonzero(np.isin(lines.hid, wanted))
    by_household: dict[int, list[int]] = {}
    for row in candidates.tolist():
        by_household.setdefault(int(lines.hid[row]), []).append(row)
    for claim in claims:
        left = claim.deductible
        for row in by_household.get(claim.household_id, []):
            if left <= 0:
                break
            room = int(lines.amount[row] - lines.recovery[row])
            if room <= 0 or lines.claim[row] not in (0, claim.id):
                continue
            take = min(room, left)
            lines.recovery[row] += take
            lines.claim[row] = claim.id
            left -= take


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
        chosen = lines.programme == code
        out["by_programme"][PROGRAMMES[int(code)]] = {
            "lines": int(chosen.sum()),
            "amount_fen": int(lines.amount[chosen].sum()),
            "net_fen": int(lines.net[chosen].sum()),
        }
    for code in np.unique(lines.kind):
        chosen = lines.kind == code
        out["by_kind"][KINDS[int(code)].value] = {
            "lines": int(chosen.sum()),
            "net_fen": int(lines.net[chosen].sum()),
        }
    return out
