"""A line's id becomes payroll id × 10,000,000 + line number (models.line_id).

The primary key then finds a payroll's lines by range and keeps line numbers unique, so
the (payroll, line_no) unique index goes: one index less to update per line written.
Existing lines, and what refers to them (bank results, repayments, re-issued lines), are
renumbered first. The guards that looked up a payroll's lines by payroll_id look up the id
range instead; SQLite rebuilds the lines table here, which drops its triggers, so they are
created again.
"""

import importlib

import django.db.models.deletion
import django.db.models.expressions
from django.db import migrations, models

import jiuzhu.payments.models

LEAN_LINES = importlib.import_module("jiuzhu.payments.migrations.0003_lean_payroll_lines")
# RunPython of (PostgreSQL statements, SQLite statements), by the connection's vendor.
_runner = LEAN_LINES._runner
# The lines table's own SQLite triggers as 0003 left them (everything but the payroll's).
LINE_TRIGGERS = [sql for sql in LEAN_LINES.SQLITE if "payments_payroll_delete_with_lines" not in sql]

NEW_ID = "payroll_id * 10000000 + line_no"
RENUMBER = [
    "UPDATE payments_lineresult SET line_id = (SELECT l.payroll_id * 10000000 + l.line_no "
    "FROM payments_payrollline l WHERE l.id = payments_lineresult.line_id)",
    "UPDATE payments_repayment SET line_id = (SELECT l.payroll_id * 10000000 + l.line_no "
    "FROM payments_payrollline l WHERE l.id = payments_repayment.line_id) "
    "WHERE line_id IS NOT NULL",
    "UPDATE payments_payrollline SET origin_line_id = (SELECT o.payroll_id * 10000000 + "
    "o.line_no FROM payments_payrollline o WHERE o.id = payments_payrollline.origin_line_id) "
    "WHERE origin_line_id IS NOT NULL",
    # Through negative ids, so that no new id meets an old one on the way.
    "UPDATE payments_payrollline SET id = -id",
    f"UPDATE payments_payrollline SET id = {NEW_ID}",
]
POSTGRES_RENUMBER = [
    "ALTER TABLE payments_payrollline DISABLE TRIGGER payments_line_locked",
    *RENUMBER,
    # ALTER TABLE refuses while deferred foreign key checks are pending: run them now.
    "SET CONSTRAINTS ALL IMMEDIATE",
    "ALTER TABLE payments_payrollline ENABLE TRIGGER payments_line_locked",
]
# SQLite's rebuilds of the lines table stop at a trigger of another table that names it.
DROP_PAYROLL_DELETE = ["DROP TRIGGER IF EXISTS payments_payroll_delete_with_lines"]
SQLITE_RENUMBER = [
    *DROP_PAYROLL_DELETE,
    "DROP TRIGGER IF EXISTS payments_line_locked_update",
    *RENUMBER,
]


def _refuse_payroll_with_lines(lines_of_payroll: str) -> list[str]:
    return [
        """CREATE OR REPLACE FUNCTION payments_refuse_locked_payroll() RETURNS trigger AS $$
        BEGIN
          IF TG_OP <> 'INSERT' AND OLD.locked THEN
            RAISE EXCEPTION 'payroll is locked';
          END IF;
          IF TG_OP = 'DELETE'
             AND EXISTS (SELECT 1 FROM payments_payrollline WHERE """
        + lines_of_payroll
        + """) THEN
            RAISE EXCEPTION 'payroll still has lines';
          END IF;
          RETURN COALESCE(NEW, OLD);
        END $$ LANGUAGE plpgsql"""
    ]


def _sqlite_payroll_delete(lines_of_payroll: str) -> list[str]:
    return [
        "CREATE TRIGGER payments_payroll_delete_with_lines BEFORE DELETE ON payments_payroll "
        f"WHEN EXISTS (SELECT 1 FROM payments_payrollline WHERE {lines_of_payroll}) "
        "BEGIN SELECT RAISE(ABORT, 'payroll still has lines'); END",
    ]


BY_RANGE = "id > OLD.id * 10000000 AND id < (OLD.id + 1) * 10000000"
BY_PAYROLL = "payroll_id = OLD.id"
GUARDS = _runner(
    _refuse_payroll_with_lines(BY_RANGE), [*LINE_TRIGGERS, *_sqlite_payroll_delete(BY_RANGE)]
)
GUARDS_BACK = _runner(
    _refuse_payroll_with_lines(BY_PAYROLL), [*LINE_TRIGGERS, *_sqlite_payroll_delete(BY_PAYROLL)]
)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0004_month_first_line_index"),
    ]

    operations = [
        migrations.RunPython(
            _runner(POSTGRES_RENUMBER, SQLITE_RENUMBER),
            GUARDS_BACK,
        ),
        migrations.AlterModelOptions(
            name="payrollline",
            options={"ordering": ["id"], "verbose_name": "发放明细"},
        ),
        migrations.RemoveConstraint(
            model_name="payrollline",
            name="payroll_line_no_unique",
        ),
        migrations.AlterField(
            model_name="payrollline",
            name="id",
            field=jiuzhu.payments.models.GivenIdField(primary_key=True, serialize=False),
        ),
        migrations.AlterField(
            model_name="payrollline",
            name="payroll",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="lines",
                to="payments.payroll",
            ),
        ),
        migrations.AddConstraint(
            model_name="payrollline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "id",
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.expressions.CombinedExpression(
                                models.F("payroll_id"), "*", models.Value(10000000)
                            ),
                            "+",
                            models.F("line_no"),
                        ),
                    ),
                    ("line_no__gte", 1),
                    ("line_no__lt", 10000000),
                ),
                name="payroll_line_id_from_number",
            ),
        ),
        migrations.RunPython(GUARDS, _runner([], DROP_PAYROLL_DELETE)),
    ]
