"""Backup and restore: a restore into a fresh database reproduces every table exactly."""

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jiuzhu.core import backup
from jiuzhu.core.errors import DomainError
from jiuzhu.core.roles import Role
from jiuzhu.registry.models import Household, Person
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def county_with_households(data_dir: Path) -> list[Household]:
    """Three households of two members each, and a file in the data directory."""
    actor = factories.user(Role.COUNTY_ADMIN, factories.county())
    place = factories.village()
    made = [
        factories.household(
            actor,
            place,
            members=[
                factories.member("head", f"户主{n}", place),
                factories.member("spouse", f"配偶{n}", place),
            ],
        )
        for n in range(3)
    ]
    (data_dir / "extracts").mkdir()
    (data_dir / "extracts" / "tax.parquet").write_bytes(b"PAR1 sample")
    return made


@pytest.fixture
def fresh_target(tmp_path: Path) -> Iterator[backup.Target]:
    """An empty database of the same engine as the test database, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield backup.Target("sqlite", str(tmp_path / "fresh.sqlite3"))
        return
    source = backup.Target.configured().location
    name = f"{connection.settings_dict['NAME']}_restore"
    admin = source.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield backup.Target("postgresql", source.rsplit("/", 1)[0] + f"/{name}")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _count(target: backup.Target, table: str) -> int:
    if target.vendor == "sqlite":
        with sqlite3.connect(target.location) as conn:
            return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    with psycopg.connect(target.location) as conn:
        row = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        assert row is not None
        return row[0]


def test_restore_into_a_fresh_database_matches_every_table(
    county_with_households, fresh_target, tmp_path
):
    folder = backup.backup(tmp_path / "backups")
    manifest = json.loads((folder / backup.MANIFEST).read_text())
    assert manifest["engine"] == connection.vendor
    assert manifest["tables"]["registry_household"][0] == 3
    assert manifest["tables"]["registry_person"][0] == 6
    assert {p.stat().st_mode & 0o777 for p in folder.iterdir()} == {0o600}

    report = backup.restore(folder, fresh_target, data_dir=tmp_path / "restored-data")

    assert report.ok, report.mismatched
    assert report.tables == len(manifest["tables"])
    assert _count(fresh_target, "registry_household") == Household.objects.count() == 3
    assert _count(fresh_target, "registry_person") == Person.objects.count() == 6
    restored_file = tmp_path / "restored-data" / "extracts" / "tax.parquet"
    assert restored_file.read_bytes() == b"PAR1 sample"


def test_a_changed_row_changes_its_table_checksum(county_with_households, tmp_path):
    folder = backup.backup(tmp_path / "backups")
    before = json.loads((folder / backup.MANIFEST).read_text())["tables"]
    Person.objects.filter(name="配偶1").update(name="配偶一")
    after = backup.checksums_of(backup.Target.configured())
    assert after["registry_person"][0] == before["registry_person"][0] == 6
    assert after["registry_person"][1] != before["registry_person"][1]
    assert after["registry_household"] == before["registry_household"]


def test_a_damaged_backup_is_refused_and_nothing_is_restored(
    county_with_households, fresh_target, tmp_path
):
    folder = backup.backup(tmp_path / "backups")
    (folder / backup.DATA_FILE).write_bytes(b"not the archive")

    with pytest.raises(DomainError) as refused:
        backup.restore(folder, fresh_target, data_dir=tmp_path / "restored-data")

    assert (
        refused.value.message == "备份文件 data.tar.gz 缺失或已损坏（校验值不符），未作任何恢复。"
    )
    assert not (tmp_path / "restored-data").exists()
    if fresh_target.vendor == "sqlite":
        assert not Path(fresh_target.location).exists()
    else:
        with psycopg.connect(fresh_target.location) as conn:
            tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname='public'")
            assert tables.fetchone() == (0,)


def test_a_backup_of_another_engine_is_refused(county_with_households, tmp_path):
    folder = backup.backup(tmp_path / "backups")
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    with pytest.raises(DomainError) as refused:
        backup.restore(folder, backup.Target(other, str(tmp_path / "x")))
    assert refused.value.message == (
        f"备份来自 {connection.vendor} 数据库，不能恢复到 {other}；请用同类数据库恢复。"
    )


def test_the_restore_command_asks_for_confirmation(tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(tmp_path))
    assert str(refused.value) == "恢复会覆盖当前数据库与数据目录；确认请加 --yes。"


def test_the_restore_command_refuses_a_folder_that_is_no_backup(tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(tmp_path), "--yes")
    assert str(refused.value) == f"{tmp_path} 不是备份目录（缺少 manifest.json）。"


def test_the_backup_command_writes_a_folder(county_with_households, tmp_path, capsys):
    call_command("backup", "--to", str(tmp_path / "b"))
    (folder,) = (tmp_path / "b").iterdir()
    assert capsys.readouterr().out.strip() == f"备份完成：{folder}"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            backup.MANIFEST,
            backup.DATA_FILE,
            backup.PG_FILE if connection.vendor == "postgresql" else backup.SQLITE_FILE,
        ]
    )
