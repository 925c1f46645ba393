"""A database-level guard: a locked payroll and its lines cannot be changed by any path
(ORM, raw SQL, admin shell). Services refuse first with a Chinese message; this is the
second line of defence."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER payments_payroll_locked_update BEFORE UPDATE ON payments_payroll
    WHEN OLD.locked BEGIN SELECT RAISE(ABORT, 'payroll is locked'); END""",
    """CREATE TRIGGER payments_payroll_locked_delete BEFORE DELETE ON payments_payroll
    WHEN OLD.locked BEGIN SELECT RAISE(ABORT, 'payroll is locked'); END""",
    """CREATE TRIGGER payments_line_locked_update BEFORE UPDATE ON payments_payrollline
    WHEN (SELECT locked FROM payments_payroll WHERE id = OLD.payroll_id)
    BEGIN SELECT RAISE(ABORT, 'payroll is locked'); END""",
    """CREATE TRIGGER payments_line_locked_delete BEFORE DELETE ON payments_payrollline
    WHEN (SELECT locked FROM payments_payroll WHERE id = OLD.payroll_id)
    BEGIN SELECT RAISE(ABORT, 'payroll is locked'); END""",
    """CREATE TRIGGER payments_line_locked_insert BEFORE INSERT ON payments_payrollline
    WHEN (SELECT locked FROM payments_payroll WHERE id = NEW.payroll_id)
    BEGIN SELECT RAISE(ABORT, 'payroll is locked'); END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "payments_payroll_locked_update",
        "payments_payroll_locked_delete",
        "payments_line_locked_update",
        "payments_line_locked_delete",
        "payments_line_locked_insert",
    )
]

POSTGRES = [
    """CREATE FUNCTION payments_refuse_locked_payroll() RETURNS trigger AS $$
    BEGIN
      IF TG_OP <> 'INSERT' AND OLD.locked THEN
        RAISE EXCEPTION 'payroll is locked';
      END IF;
      RETURN COALESCE(NEW, OLD);
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER payments_payroll_locked BEFORE UPDATE OR DELETE ON payments_payroll
    FOR EACH ROW EXECUTE FUNCTION payments_refuse_locked_payroll()""",
    """CREATE FUNCTION payments_refuse_locked_line() RETURNS trigger AS $$
    DECLARE pid bigint;
    BEGIN
      pid := CASE WHEN TG_OP = 'INSERT' THEN NEW.payroll_id ELSE OLD.payroll_id END;
      IF EXISTS (SELECT 1 FROM payments_payroll WHERE id = pid AND locked) THEN
        RAISE EXCEPTION 'payroll is locked';
      END IF;
      RETURN COALESCE(NEW, OLD);
    END $$ LANGUAGE plpgsql""",
    # Statement-level would be cheaper for COPY, but a row trigger is what can see the
    # payroll id; lines are only inserted while the payroll is unlocked (one lookup each).
    """CREATE TRIGGER payments_line_locked BEFORE INSERT OR UPDATE OR DELETE
    ON payments_payrollline FOR EACH ROW EXECUTE FUNCTION payments_refuse_locked_line()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS payments_line_locked ON payments_payrollline",
    "DROP FUNCTION IF EXISTS payments_refuse_locked_line()",
    "DROP TRIGGER IF EXISTS payments_payroll_locked ON payments_payroll",
    "DROP FUNCTION IF EXISTS payments_refuse_locked_payroll()",
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_DROP)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("policy", "0003_payment_parameters"),
        ("cases", "0002_person_recipient_unique"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
