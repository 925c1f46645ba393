"""The guard triggers on the lines table, lifted for one payroll's bulk load."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, connection
from psycopg.pq import TransactionStatus

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


# The guards that refuse changing a locked payroll's lines (migrations 0003 and 0005).
UPDATE_GUARD = {"sqlite": "payments_line_locked_update", "postgresql": "payments_line_locked"}


@contextmanager
def update_guard_lifted(cursor: Any) -> Iterator[None]:
    """Rewriting stored lines without changing what they say (sealing the numbers of
    locked payrolls under a new key) lifts the update guard inside the caller's
    transaction, as `insert_guard_lifted` does; a rollback restores it."""
    if not connection.in_atomic_block:
        raise RuntimeError("payroll lines are rewritten inside a transaction")
    name = UPDATE_GUARD[connection.vendor]
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"ALTER TABLE payments_payrollline DISABLE TRIGGER {name}")
        restore = f"ALTER TABLE payments_payrollline ENABLE TRIGGER {name}"
    else:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [name])
        guard = cursor.fetchone()
        if guard is None:
            yield
            return
        cursor.execute(f"DROP TRIGGER {name}")
        restore = guard[0]
    yield
    cursor.execute(restore)
