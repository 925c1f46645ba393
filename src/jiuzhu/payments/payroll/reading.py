"""The payroll's set-based reads: each recipient with its payee's snapshot, as columns.

Three reads of one consistent view, on two connections at once (`reads`): the town's
recipients with their payees, every person's name and ID number, every valid account; the
payees' snapshots are joined to the recipients in memory by id (`payee_details`). Numbers
become numpy columns (ids, amounts in fen, dates as YYYYMMDD integers) and the snapshot
strings stay in Arrow tables that are only indexed, never turned into Python objects on
PostgreSQL. The recipients come from the cases app's select and the head, payee and
household from the registry's (`cases/columnar.py`, `registry/columnar.py`); only the
payments app's own tables are named here."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.cases import columnar as cases_columnar
from jiuzhu.core.columnar import (
    Columns,
    ColumnsQuery,
    codes,
    date_days,
    date_int,
    positions,
    read_columns,
    read_together,
    ymd_of_days,
    yuan_to_fen,
)
from jiuzhu.core.months import add_months
from jiuzhu.core.programmes import Programme
from jiuzhu.payments.models import PayrollKind
from jiuzhu.payments.payroll.codes import I64, PROGRAMMES, STATUS_CODES, StatusCode
from jiuzhu.payments.payroll.rules import Rules
from jiuzhu.registry.columnar import heads_sql, households_sql, payment_targets_sql, persons_sql

# Read with each recipient and frozen into its lines beside the numbers: the recipient's
# area, its payee's name and ID number, and the payee's valid account (0 / '' if none) —
# or the care institution's name, credit code and account.
DETAIL_COLUMNS = (
    "region_code",
    "payee_name",
    "id_number",
    "account_id",
    "bank",
    "account_number",
    "holder_name",
    "institution_id",  # a care institution paid instead of the person (0 if none)
)

RECIPIENT_NUMBERS = (
    *("rid", "hid", "payee", "programme", "status"),
    *("monthly", "start", "end", "phase_until", "poor", "members"),
)


@dataclass
class Recipients:
    """The recipient columns the payroll needs, one row per recipient."""

    rid: I64
    hid: I64
    payee: I64  # 0 when the household has no head to pay
    programme: I64  # index into PROGRAMMES
    status: I64  # StatusCode
    monthly: I64  # fen
    start: I64  # YYYYMMDD
    end: I64  # YYYYMMDD, 0 = open
    phase_until: I64  # YYYYMMDD, 0 = none
    poor: I64
    members: I64  # persons the recipient covers (保障人数)
    details: pa.Table  # DETAIL_COLUMNS, row-aligned

    @property
    def n(self) -> int:
        return len(self.rid)

    def take(self, rows: I64) -> "Recipients":
        """The recipients at these row positions, in this order."""
        columns = {name: getattr(self, name)[rows] for name in RECIPIENT_NUMBERS}
        return Recipients(**columns, details=self.details.take(pa.array(rows)))


# Read as days since 1970 (a subtraction; formatting YYYYMMDD on the server cost more).
DATES = ("start", "end", "phase_until")


def _ymd(days: I64) -> I64:
    """Days since 1970 → YYYYMMDD, 0 (no date) staying 0: no recipient's date is 1970-01-01."""
    return np.where(days == 0, 0, ymd_of_days(days))


def recipients_sql(prefix: str, month: dt.date) -> tuple[str, list[Any]]:
    """Recipients of a town possibly paid in `month` (and the ones that ended in it), each
    with its payee: 11 integer columns (the three dates as days since 1970, 0 for none:
    `read_recipients` turns them into YYYYMMDD), then OWN_COLUMNS. The recipients come from
    the cases app's select, the head, household and care facts from the registry's. The
    payee is the recipient person, or the household's head; a child's guardian for the
    children's allowance; and a tekun person or a child cared for in an institution is paid
    through the institution's account (docs/policy/tekun.md#support), whose snapshot comes
    with the row (empty without one)."""
    recipients, params = cases_columnar.recipients_sql(prefix, month)
    institutional = (
        f"r0.programme IN ('{Programme.TEKUN.value}', '{Programme.CHILDREN.value}') "
        "AND t.institution_id IS NOT NULL"
    )
    guardian = f"r0.programme = '{Programme.CHILDREN.value}' AND t.guardian_id IS NOT NULL"
    institution = ", ".join(
        f"CASE WHEN {institutional} THEN t.{column} END"
        for column in ("institution_name", "credit_code", "bank", "account_number", "holder_name")
    )
    sql = (
        "SELECT r0.id, r0.household_id, "
        f"CASE WHEN {guardian} THEN t.guardian_id "
        "ELSE COALESCE(r0.person_id, hm.person_id, 0) END, "
        f"{codes('r0.programme', PROGRAMMES, 0)}, "
        f"{codes('r0.status', STATUS_CODES, StatusCode.ENDED)}, "
        f"{yuan_to_fen('r0.monthly_amount')}, "
        f"{date_days('r0.start_month')}, {date_days('r0.end_month')}, "
        f"{date_days('r0.phase_out_until')}, h.registered_poor, r0.members_covered, "
        f"r0.region_code, CASE WHEN {institutional} THEN t.institution_id ELSE 0 END, "
        f"{institution} "
        f"FROM ({recipients}) r0 JOIN ({households_sql()}) h ON h.id = r0.household_id "
        f"LEFT JOIN ({heads_sql()}) hm ON r0.person_id IS NULL "
        "AND hm.household_id = r0.household_id "
        f"LEFT JOIN ({payment_targets_sql()}) t ON t.person_id = r0.person_id"
    )
    return sql, params


# After the numbers of `recipients_sql`: the recipient's area, and the snapshot of the care
# institution paid instead of the payee (0 and empty when none).
INSTITUTION_COLUMNS = ("name", "credit_code", "bank", "account_number", "holder_name")
OWN_COLUMNS = (
    "region_code",
    "institution_id",
    *(f"institution_{name}" for name in INSTITUTION_COLUMNS),
)
# Every valid account, one per person at most (a constraint); the payee's is the one paid.
ACCOUNTS_SQL = (
    "SELECT person_id, id, bank, account_number, holder_name FROM payments_bankaccount WHERE valid"
)
ACCOUNT_COLUMNS = ("bank", "account_number", "holder_name")


def reads(prefix: str, month: dt.date) -> dict[str, ColumnsQuery]:
    """The payroll's reads, the largest first: every person's name and ID number, the town's
    recipients with their payees, every valid account. The payees' snapshots are joined to
    the recipients in memory (`payee_details`): the server's join hashed every person on
    one core, twice the time of reading them."""
    sql, params = recipients_sql(prefix, month)
    return {
        "persons": ColumnsQuery(
            f"SELECT id, name, id_number FROM ({persons_sql()}) p", 1, ("name", "id_number"), (0,)
        ),
        "recipients": ColumnsQuery(sql, len(RECIPIENT_NUMBERS), OWN_COLUMNS, (0,), params),
        "accounts": ColumnsQuery(ACCOUNTS_SQL, 2, ACCOUNT_COLUMNS, (0,)),
    }


def payee_details(payee: I64, own: pa.Table, persons: Columns, accounts: Columns) -> pa.Table:
    """DETAIL_COLUMNS of each recipient: its area, then the care institution's snapshot where
    one is paid, otherwise the payee's name, ID number and valid account ('' and 0 where the
    payee or the account is missing)."""
    (person_ids,), person_texts = persons
    (account_persons, account_ids), account_texts = accounts
    person_row, person_found = positions(person_ids, payee)
    account_row, account_found = positions(account_persons, payee)
    account_found &= person_found
    institution_id = own.column("institution_id").to_numpy()
    institution = pa.array(institution_id != 0)

    def snapshot(texts: pa.Table, name: str, rows: I64, found: npt.NDArray[np.bool_]) -> pa.Array:
        return pc.fill_null(texts.column(name).take(pa.array(rows, mask=~found)), "")

    def either(column: str, theirs: pa.Array) -> pa.Array:
        return pc.if_else(institution, own.column(f"institution_{column}"), theirs)

    paid_to_account = account_found & (institution_id == 0)
    account_id = np.zeros(len(payee), dtype=np.int64)
    account_id[paid_to_account] = account_ids[account_row[paid_to_account]]
    return pa.table(
        {
            "region_code": own.column("region_code"),
            "payee_name": either("name", snapshot(person_texts, "name", person_row, person_found)),
            "id_number": either(
                "credit_code", snapshot(person_texts, "id_number", person_row, person_found)
            ),
            "account_id": pa.array(account_id),
            **{
                name: either(name, snapshot(account_texts, name, account_row, account_found))
                for name in ACCOUNT_COLUMNS
            },
            "institution_id": pa.array(institution_id),
        }
    )


def read_recipients(prefix: str, month: dt.date) -> Recipients:
    """The town's recipients for `month` as columns, one row per recipient."""
    read = read_together(reads(prefix, month))
    numbers, own = read["recipients"]
    columns = dict(zip(RECIPIENT_NUMBERS, numbers, strict=True))
    for name in DATES:
        columns[name] = _ymd(columns[name])
    details = payee_details(columns["payee"], own, read["persons"], read["accounts"])
    recipients = Recipients(**columns, details=details)
    rid = recipients.rid
    if recipients.n and np.any(rid[1:] == rid[:-1]):  # two open "head" rows: pay one line
        keep = np.concatenate([[True], rid[1:] != rid[:-1]])
        recipients = recipients.take(np.flatnonzero(keep))
    return recipients


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


def month_of(value: int) -> dt.date:
    """The 1st of the month of a YYYYMMDD integer."""
    return dt.date(value // 10000, value // 100 % 100, 1)


@dataclass
class StandardArrears:
    """Unpaid arrears of confirmed re-pricings: one row per change."""

    change: I64
    rid: I64
    month: I64  # the effective month, YYYYMMDD
    fen: I64


def read_standard_arrears(prefix: str) -> StandardArrears:
    """The area's recipients' arrears from a new standard confirmed after its effective month."""
    arrears, params = cases_columnar.standard_arrears_sql(prefix)
    sql = f"SELECT id, recipient_id, {date_int('effective_month')}, arrears_fen FROM ({arrears}) a"
    (change, rid, month, fen), _ = read_columns(sql, params, 4, order=(1,))
    return StandardArrears(change, rid, month, fen)


@dataclass
class Arrears:
    """(recipient, missed month as YYYYMMDD) pairs, the rules of each missed month, and the
    arrears of confirmed re-pricings."""

    rid: I64
    month: I64
    rules: dict[dt.date, Rules]
    standard: StandardArrears


def read_arrears(town_id: int, prefix: str, month: dt.date, rules: Rules) -> Arrears:
    """The months a late decision left unpaid, at most `payments.arrears_max_months` back,
    each with the rules in force in it."""
    earliest = add_months(month, -rules.payment.arrears_max_months)
    sql, params = arrears_sql(town_id, prefix, month, earliest)
    (rid, missed), _ = read_columns(sql, params, 2)
    by_month = {month_of(int(value)) for value in np.unique(missed)}
    rules_of = {day: Rules.load(day) for day in sorted(by_month)}
    return Arrears(rid, missed, rules_of, read_standard_arrears(prefix))
