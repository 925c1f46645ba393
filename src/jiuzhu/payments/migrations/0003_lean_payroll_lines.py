"""Lines are written a million at a time: drop what costs a step per line and keep every
guarantee with set-based checks.

- No database foreign key from a line to its payroll (its deferred check is one lookup per
  line at commit). Instead, on PostgreSQL an AFTER INSERT statement trigger joins the
  inserted lines (a transition table) with their payrolls once: a missing or locked payroll
  refuses the whole statement, and the payrolls are share-locked as a foreign key would.
  SQLite has only row triggers; its insert trigger now also refuses a missing payroll.
- A payroll that still has lines cannot be deleted (what the foreign key guaranteed).
- No index on household_id: the household page reaches lines through recipient_id.
- SQLite rebuilds the lines table to drop (or, backwards, restore) the foreign key, which
  drops its triggers, so they are created again after each rebuild.
"""

import django.db.models.deletion
from django.db import migrations, models

SQLITE_LINE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS payments_line_locked_update",
    "DROP TRIGGER IF EXISTS payments_line_locked_delete",
    "DROP TRIGGER IF EXISTS payments_line_locked_insert",
    """CREATE TRIGGER payments_line_locked_update BEFORE UPDATE ON payments_payrollline
    WHEN (SELECT locked FROM payments_payroll WHERE id = OLD.payroll_id)
    BEGIN SELECT RAISE(ABORT, 'payroll is locked'); END""",
    """CREATE TRIGGER payments_line_locked_delete BEFORE DELETE ON payments_payrollline
    WHEN (SELECT locked FROM payments_payroll WHERE id = OLD.payroll_id)
    BEGIN SELECT RAISE(ABORT, 'payroll is locked'); END""",
]
SQLITE = [
    *SQLITE_LINE_TRIGGERS,
    """CREATE TRIGGER payments_line_locked_insert BEFORE INSERT ON payments_payrollline
    WHEN COALESCE((SELECT locked FROM payments_payroll WHERE id = NEW.payroll_id), 1)
    BEGIN SELECT RAISE(ABORT, 'payroll is locked or missing'); END""",
    """CREATE TRIGGER payments_payroll_delete_with_lines BEFORE DELETE ON payments_payroll
    WHEN EXISTS (SELECT 1 FROM payments_payrollline WHERE payroll_id = OLD.id)
    BEGIN SELECT RAISE(ABORT, 'payroll still has lines'); END""",
]
SQLITE_BACK = [
    *SQLITE_LINE_TRIGGERS,
    """CREATE TRIGGER payments_line_locked_insert BEFORE INSERT ON payments_payrollline
    WHEN (SELECT locked FROM payments_payroll WHERE id = NEW.payroll_id)
    BEGIN SELECT RAISE(ABORT, 'payroll is locked'); END""",
    "DROP TRIGGER IF EXISTS payments_payroll_delete_with_lines",
]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION payments_refuse_locked_payroll() RETURNS trigger AS $$
    BEGIN
      IF TG_OP <> 'INSERT' AND OLD.locked THEN
        RAISE EXCEPTION 'payroll is locked';
      END IF;
      IF TG_OP = 'DELETE'
         AND EXISTS (SELECT 1 FROM payments_payrollline WHERE payroll_id = OLD.id) THEN
        RAISE EXCEPTION 'payroll still has lines';
      END IF;
      RETURN COALESCE(NEW, OLD);
    END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER payments_line_locked ON payments_payrollline",
    """CREATE TRIGGER payments_line_locked BEFORE UPDATE OR DELETE ON payments_payrollline
    FOR EACH ROW EXECUTE FUNCTION payments_refuse_locked_line()""",
    """CREATE FUNCTION payments_check_inserted_lines() RETURNS trigger AS $$
    BEGIN
      PERFORM 1 FROM payments_payroll
        WHERE id IN (SELECT DISTINCT payroll_id FROM inserted_lines) FOR KEY SHARE;
      IF EXISTS (
        SELECT 1 FROM (SELECT DISTINCT payroll_id FROM inserted_lines) n
        LEFT JOIN payments_payroll p ON p.id = n.payroll_id
        WHERE p.id IS NULL OR p.locked
      ) THEN
        RAISE EXCEPTION 'payroll is locked or missing';
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER payments_line_insert_check AFTER INSERT ON payments_payrollline
    REFERENCING NEW TABLE AS inserted_lines
    FOR EACH STATEMENT EXECUTE FUNCTION payments_check_inserted_lines()""",
]
POSTGRES_BACK = [
    "DROP TRIGGER payments_line_insert_check ON payments_payrollline",
    "DROP FUNCTION payments_check_inserted_lines()",
    "DROP TRIGGER payments_line_locked ON payments_payrollline",
    """CREATE TRIGGER payments_line_locked BEFORE INSERT OR UPDATE OR DELETE
    ON payments_payrollline FOR EACH ROW EXECUTE FUNCTION payments_refuse_locked_line()""",
    """CREATE OR REPLACE FUNCTION payments_refuse_locked_payroll() RETURNS trigger AS $$
    BEGIN
      IF TG_OP <> 'INSERT' AND OLD.locked THEN
        RAISE EXCEPTION 'payroll is locked';
      END IF;
      RETURN COALESCE(NEW, OLD);
    END $$ LANGUAGE plpgsql""",
]


def _runner(postgres, sqlite):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in {"postgresql": postgres, "sqlite": sqlite}.get(vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_locked_payroll_guard"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, _runner([], SQLITE_BACK)),
        migrations.AlterField(
            model_name="payrollline",
            name="household_id",
            field=models.BigIntegerField(),
        ),
        migrations.AlterField(
            model_name="payrollline",
            name="payroll",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="payments.payroll",
            ),
        ),
        migrations.RunPython(_runner(POSTGRES, SQLITE), _runner(POSTGRES_BACK, [])),
    ]
