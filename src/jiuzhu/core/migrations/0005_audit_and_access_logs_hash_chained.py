"""The audit trail and the access log become hash chains (core/audit_chain.py): existing
rows are chained in id order, each chain gets its head, and the database refuses updates of
either log (and deletes, on PostgreSQL; Django's test flush deletes on SQLite)."""

import django.utils.timezone
from django.db import migrations, models

from jiuzhu.core.audit_chain import CONTENT, GENESIS, chain_rows

SQLITE = [
    f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table}
    BEGIN SELECT RAISE(ABORT, 'log is append-only'); END"""
    for table in ("core_auditentry", "core_accesslog")
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS {table}_append_only" for table in ("core_auditentry", "core_accesslog")
]
POSTGRES = [
    """CREATE FUNCTION core_refuse_log_change() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'log is append-only';
    END $$ LANGUAGE plpgsql""",
    *(
        f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION core_refuse_log_change()"""
        for table in ("core_auditentry", "core_accesslog")
    ),
]
POSTGRES_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"
        for table in ("core_auditentry", "core_accesslog")
    ),
    "DROP FUNCTION IF EXISTS core_refuse_log_change()",
]
MODELS = {"audit": "AuditEntry", "access": "AccessLog"}


def chain_existing(apps, schema_editor):
    head_model = apps.get_model("core", "ChainHead")
    for log, model_name in MODELS.items():
        model = apps.get_model("core", model_name)
        rows = list(model.objects.order_by("id").values_list("id", *CONTENT[log]))
        hashes = chain_rows(log, (row[1:] for row in rows))
        previous = [GENESIS, *hashes][: len(hashes)]
        for (entry_id, *_), entry_hash, previous_hash in zip(rows, hashes, previous, strict=True):
            model.objects.filter(id=entry_id).update(
                entry_hash=entry_hash, previous_hash=previous_hash
            )
        head_model.objects.create(
            log=log, entries=len(rows), last_hash=hashes[-1] if hashes else ""
        )


def unchain(apps, schema_editor):
    apps.get_model("core", "ChainHead").objects.all().delete()


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
        ('core', '0004_hashed_expiring_scoped_api_tokens'),
    ]

    operations = [
        migrations.CreateModel(
            name='ChainHead',
            fields=[
                ('log', models.CharField(max_length=20, primary_key=True, serialize=False)),
                ('entries', models.BigIntegerField(default=0)),
                ('last_hash', models.CharField(default='', max_length=64)),
            ],
            options={
                'verbose_name': '日志链尾',
            },
        ),
        migrations.AddField(
            model_name='accesslog',
            name='entry_hash',
            field=models.CharField(default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='accesslog',
            name='previous_hash',
            field=models.CharField(default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='entry_hash',
            field=models.CharField(default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='previous_hash',
            field=models.CharField(default='', editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name='accesslog',
            name='at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.RunPython(chain_existing, unchain),
        migrations.RunPython(guard, unguard),
    ]
