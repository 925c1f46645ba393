"""API tokens become hashed, expiring and scoped (issue 19).

The static tokens of rest_framework.authtoken (table authtoken_token, its app no longer
installed) are carried over: each becomes an ApiToken holding only the SHA-256 of the old key,
so partner systems keep working until it expires (JIUZHU_API_TOKEN_DAYS from the migration),
with every scope (the owner's role is still checked on each request). Tokens of inactive
users are dropped. The old table is emptied, so no clear token remains in the database; it is
left in place, empty, for rest_framework.authtoken's migration records.
"""

import datetime as dt
import hashlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

OLD_TABLE = "authtoken_token"
ALL_SCOPES = ["registry.read", "registry.write", "policy.calculate"]


def carry_static_tokens(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if OLD_TABLE not in connection.introspection.table_names(cursor):
            return
        cursor.execute(f"SELECT key, user_id, created FROM {OLD_TABLE}")
        rows = cursor.fetchall()
    ApiToken = apps.get_model("core", "ApiToken")
    User = apps.get_model("core", "User")
    active = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
    now = timezone.now()
    expires = now + dt.timedelta(days=settings.JIUZHU_API_TOKEN_DAYS)
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            digest=hashlib.sha256(key.encode()).hexdigest(),
            scopes=ALL_SCOPES,
            created_at=created or now,
            expires_at=expires,
        )
        for key, user_id, created in rows
        if user_id in active
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {OLD_TABLE}")


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_login_throttle_and_security_events'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(max_length=64, unique=True)),
                ('scopes', models.JSONField(default=list, verbose_name='权限范围')),
                ('created_at', models.DateTimeField(verbose_name='创建时间')),
                ('expires_at', models.DateTimeField(verbose_name='到期时间')),
                ('last_used_at', models.DateTimeField(blank=True, null=True, verbose_name='最近使用')),
                ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='吊销时间')),
                ('revoked_reason', models.CharField(blank=True, choices=[('logout', '退出登录'), ('password', '修改密码'), ('locked', '账户锁定'), ('deactivated', '账户停用'), ('admin', '管理员吊销')], max_length=12, verbose_name='吊销原因')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '接口令牌',
                'ordering': ['-created_at'],
            },
        ),
        migrations.RunPython(carry_static_tokens, migrations.RunPython.noop),
    ]
