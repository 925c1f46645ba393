"""Pruning the logs (core/audit_chain.py): a checkpoint per prune, and triggers that let
entries be deleted only up to a checkpoint still open in the pruning transaction.

Updates of entries stay refused; a checkpoint may only be closed, never changed or
deleted. PostgreSQL also refuses, at commit, a checkpoint left open. SQLite's triggers let
the oldest remaining row go, because Django's test flush empties tables row by row (a
removal at the start still shows in `audit verify` against the latest checkpoint).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

TABLES = {"audit": "core_auditentry", "access": "core_accesslog"}
KEPT = (
    "log", "previous_hash", "last_sequence", "last_hash", "entries", "archive",
    "archive_sha256", "created_at", "created_by_id",
)
UNCHANGED = " AND ".join(f"OLD.{column} = NEW.{column}" for column in KEPT)


def _covered(log: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM core_logcheckpoint WHERE log = '{log}' AND open "
        "AND OLD.id <= last_sequence)"
    )


SQLITE = [
    *(
        f"""CREATE TRIGGER {table}_prune_only BEFORE DELETE ON {table}
        WHEN NOT {_covered(log)} AND OLD.id > (SELECT MIN(id) FROM {table})
        BEGIN SELECT RAISE(ABORT, 'log entries are removed only by a prune'); END"""
        for log, table in TABLES.items()
    ),
    f"""CREATE TRIGGER core_logcheckpoint_close_only BEFORE UPDATE ON core_logcheckpoint
    WHEN NOT (OLD.open AND NOT NEW.open AND {UNCHANGED})
    BEGIN SELECT RAISE(ABORT, 'a checkpoint may only be closed'); END""",
    """CREATE TRIGGER core_logcheckpoint_kept BEFORE DELETE ON core_logcheckpoint
    WHEN OLD.id > (SELECT MIN(id) FROM core_logcheckpoint)
    BEGIN SELECT RAISE(ABORT, 'checkpoints are kept'); END""",
]
SQLITE_DROP = [
    *(f"DROP TRIGGER IF EXISTS {table}_prune_only" for table in TABLES.values()),
    "DROP TRIGGER IF EXISTS core_logcheckpoint_close_only",
    "DROP TRIGGER IF EXISTS core_logcheckpoint_kept",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_refuse_log_change() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM core_logcheckpoint
        WHERE log = TG_ARGV[0] AND open AND OLD.id <= last_sequence
      ) THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'log is append-only';
    END $$ LANGUAGE plpgsql""",
    *(
        sql
        for log, table in TABLES.items()
        for sql in (
            f"DROP TRIGGER {table}_append_only ON {table}",
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION core_refuse_log_change('{log}')""",
        )
    ),
    """CREATE FUNCTION core_guard_checkpoint() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.open AND NOT NEW.open
         AND to_jsonb(NEW) - 'open' = to_jsonb(OLD) - 'open' THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'a checkpoint may only be closed';
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_logcheckpoint_close_only BEFORE UPDATE OR DELETE
    ON core_logcheckpoint FOR EACH ROW EXECUTE FUNCTION core_guard_checkpoint()""",
    """CREATE FUNCTION core_checkpoint_closed() RETURNS trigger AS $$
    BEGIN
      IF (SELECT open FROM core_logcheckpoint WHERE id = NEW.id) THEN
        RAISE EXCEPTION 'a checkpoint must be closed in its own transaction';
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE CONSTRAINT TRIGGER core_logcheckpoint_closed AFTER INSERT ON core_logcheckpoint
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION core_checkpoint_closed()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS core_logcheckpoint_closed ON core_logcheckpoint",
    "DROP FUNCTION IF EXISTS core_checkpoint_closed()",
    "DROP TRIGGER IF EXISTS core_logcheckpoint_close_only ON core_logcheckpoint",
    "DROP FUNCTION IF EXISTS core_guard_checkpoint()",
    """CREATE OR REPLACE FUNCTION core_refuse_log_change() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'log is append-only';
    END $$ LANGUAGE plpgsql""",
]


def guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in POSTGRES if vendor == "postgresql" else SQLITE if vendor == "sqlite" else []:
        schema_editor.execute(sql)


def unguard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in (
        POSTGRES_DROP if vendor == "postgresql" else SQLITE_DROP if vendor == "sqlite" else []
    ):
        schema_editor.execute(sql)

class Migration(migrations.Migration):

    dependencies = [
        ('core', '0006_task_heartbeat_and_interrupted'),
    ]

    operations = [
        migrations.CreateModel(
            name='LogCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('log', models.CharField(max_length=20)),
                ('previous_hash', models.CharField(max_length=64)),
                ('last_sequence', models.BigIntegerField()),
                ('last_hash', models.CharField(max_length=64)),
                ('entries', models.BigIntegerField()),
                ('archive', models.CharField(max_length=100)),
                ('archive_sha256', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('open', models.BooleanField(default=True)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '日志归档检查点',
                'constraints': [models.UniqueConstraint(fields=('log', 'last_sequence'), name='log_checkpoint_once')],
            },
        ),
        migrations.RunPython(guard, unguard),
    ]
