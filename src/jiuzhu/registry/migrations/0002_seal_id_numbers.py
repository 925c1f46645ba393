"""ID numbers sealed at rest (core/crypto.py): each person's number is encrypted and its
search digest, which now carries the uniqueness, is filled in, in chunks."""

from typing import Any

from django.db import migrations

import jiuzhu.core.crypto
from jiuzhu.core.crypto import SealedColumn, decrypt_many, reseal_chunk

PERSON = SealedColumn("registry_person", "id_number", "id_digest")
CHUNK = 5000


def seal(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        last, rows = reseal_chunk(cursor, PERSON, 0, CHUNK)
        while rows:
            last, rows = reseal_chunk(cursor, PERSON, last, CHUNK)


def unseal(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, id_number FROM registry_person")
        rows = cursor.fetchall()
        plain = decrypt_many(value for _, value in rows)
        cursor.executemany(
            "UPDATE registry_person SET id_number = %s, id_digest = NULL WHERE id = %s",
            list(zip(plain, (row_id for row_id, _ in rows), strict=True)),
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="id_digest",
            field=jiuzhu.core.crypto.DigestField(null=True, source="id_number"),
        ),
        migrations.AlterField(
            model_name="person",
            name="id_number",
            field=jiuzhu.core.crypto.EncryptedCharField(plain_max_length=18, verbose_name="身份证号"),
        ),
        migrations.RunPython(seal, unseal, elidable=False),
        migrations.AlterField(
            model_name="person",
            name="id_digest",
            field=jiuzhu.core.crypto.DigestField(source="id_number", unique=True),
        ),
    ]
