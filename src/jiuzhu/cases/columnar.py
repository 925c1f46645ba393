"""The cases app's tables as SQL for columnar jobs: the one place outside the ORM that
names them. Other apps (the payroll) compose these selects as subqueries and run them
through `jiuzhu.core.columnar`; each select lists its columns in the order documented and
returns its parameters beside it. Columns are plain: dates stay dates, amounts stay yuan,
statuses stay their stored text, so that the caller codes them as its job needs."""

import datetime as dt
from typing import Any

from jiuzhu.cases.models import RecipientStatus, Repricing
from jiuzhu.core.months import add_months

RECIPIENT_COLUMNS = (
    "id, household_id, person_id, programme, status, monthly_amount, start_month, "
    "end_month, phase_out_until, region_code, members_covered"
)


def recipients_sql(prefix: str, month: dt.date) -> tuple[str, list[Any]]:
    """Recipients of the area `prefix` whose time in a monthly programme touches `month`
    (started before the next month, not ended by its 1st; those that ended inside it
    included), not suspended: (id, household_id, person_id, programme, status,
    monthly_amount, start_month, end_month, phase_out_until, region_code, members_covered).
    person_id is
    null for a household recipient. Temporary aid is a recipient of one month (paid once)."""
    sql = (
        f"SELECT {RECIPIENT_COLUMNS} FROM cases_recipient "
        "WHERE region_code LIKE %s AND start_month < %s "
        "AND (end_month IS NULL OR end_month > %s) "
        f"AND status <> '{RecipientStatus.SUSPENDED.value}'"
    )
    return sql, [prefix + "%", add_months(month, 1), month]


def recipients_started_sql(prefix: str, since: dt.date, before: dt.date) -> tuple[str, list[Any]]:
    """Recipients of the area `prefix` (one-off temporary aid included) whose start month lies in
    [since, before), whatever became of them since except a suspension: (id, start_month,
    end_month). The payroll looks among them for months a late decision left unpaid."""
    statuses = ", ".join(
        f"'{status.value}'"
        for status in (RecipientStatus.ACTIVE, RecipientStatus.PHASE_OUT, RecipientStatus.ENDED)
    )
    sql = (
        "SELECT id, start_month, end_month FROM cases_recipient "
        "WHERE region_code LIKE %s AND start_month >= %s AND start_month < %s "
        f"AND status IN ({statuses})"
    )
    return sql, [prefix + "%", since, before]


def recipient_status_sql() -> str:
    """(id, status, end_reason) of every recipient."""
    return "SELECT id, status, end_reason FROM cases_recipient"


def standard_arrears_sql(prefix: str) -> tuple[str, list[Any]]:
    """Arrears of confirmed re-pricings (a new standard from a past month) not yet paid, of
    the recipients of the area `prefix`: (change id, recipient id, effective month, fen)."""
    sql = (
        "SELECT c.id AS id, c.recipient_id AS recipient_id, "
        "r.effective_month AS effective_month, c.arrears_fen AS arrears_fen "
        "FROM cases_repricingchange c JOIN cases_repricing r ON r.id = c.repricing_id "
        "JOIN cases_recipient p ON p.id = c.recipient_id "
        f"WHERE r.state = '{Repricing.State.CONFIRMED.value}' AND c.arrears_fen > 0 "
        "AND c.arrears_paid_month IS NULL AND p.region_code LIKE %s"
    )
    return sql, [prefix + "%"]
