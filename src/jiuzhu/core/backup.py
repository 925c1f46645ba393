"""Backup and restore of the whole platform: the database and the data directory.

A backup is a folder: the database (SQLite's online backup, or `pg_dump -Fc` of one
snapshot), the data directory as `data.tar.gz` (extracts, snapshots, files; the SQLite file
itself excluded) and `manifest.json`: when, which engine, each file's SHA-256, and each
table's row count and checksum taken from the same snapshot as the dump. A restore checks
the files against the manifest, loads the database into the target, unpacks the data
directory, and compares every table's checksum with the manifest: a restore that does not
reproduce the backup exactly is reported as failed.

A table's checksum is the sum (mod 2²⁵⁶) of the SHA-256 of each row's text: independent of
row order, so no sort over a million rows, and streamed in batches.
"""

import datetime as dt
import hashlib
import json
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.db import connection

from jiuzhu.core.errors import DomainError
from jiuzhu.core.files import file_sha256

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
DATA_FILE = "data.tar.gz"
BATCH_ROWS = 10_000
FORMAT_VERSION = 1

Checksums = dict[str, list[Any]]  # table → [rows, hex checksum]


@dataclass(frozen=True)
class Target:
    """A database to back up or restore into: SQLite by file path, PostgreSQL by conninfo."""

    vendor: str
    location: str  # SQLite: the file path; PostgreSQL: a postgresql:// URL

    @classmethod
    def configured(cls) -> "Target":
        """The platform's own database (settings.DATABASES["default"])."""
        db = connection.settings_dict
        if connection.vendor == "postgresql":
            user = quote(db.get("USER") or "", safe="")
            password = quote(db.get("PASSWORD") or "", safe="")
            auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
            host = db.get("HOST") or "localhost"
            port = f":{db['PORT']}" if db.get("PORT") else ""
            return cls("postgresql", f"postgresql://{auth}{host}{port}/{db['NAME']}")
        return cls("sqlite", str(db["NAME"]))


def _row_digest_sum(rows: Iterator[tuple[Any, ...]]) -> tuple[int, str]:
    count = total = 0
    for row in rows:
        total += int.from_bytes(hashlib.sha256(repr(row).encode()).digest(), "big")
        count += 1
    return count, f"{total % (1 << 256):064x}"


def _batches(cursor: Any) -> Iterator[tuple[Any, ...]]:
    while batch := cursor.fetchmany(BATCH_ROWS):
        yield from batch


def _tables(cursor: Any, vendor: str) -> list[str]:
    if vendor == "postgresql":
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        )
    return [name for (name,) in cursor.fetchall()]


def checksums(raw_connection: Any, vendor: str) -> Checksums:
    """Every table's [row count, checksum] read through a DB-API connection."""
    cursor = raw_connection.cursor()
    result: Checksums = {}
    for table in _tables(cursor, vendor):
        cursor.execute(f'SELECT * FROM "{table}"')
        result[table] = list(_row_digest_sum(_batches(cursor)))
    cursor.close()
    return result


def checksums_of(target: Target) -> Checksums:
    """Every table's [row count, checksum] of a database, through a plain DB-API connection
    (Django's converts values on the way, so its rows would print differently)."""
    if target.vendor == "postgresql":
        with psycopg.connect(target.location) as raw:
            return checksums(raw, "postgresql")
    with _sqlite(target.location) as raw:
        return checksums(raw, "sqlite")


def _run(command: list[str]) -> None:
    """Run a PostgreSQL client tool; its failure becomes a refusal in Chinese."""
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise DomainError(
            f"找不到 PostgreSQL 工具 {command[0]}，请安装 postgresql-client。"
        ) from error
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or "").strip().splitlines()[-1:] or [""]
        raise DomainError(f"{command[0]} 执行失败：{detail[0]}") from error


def _dump_postgres(target: Target, folder: Path) -> Checksums:
    """pg_dump of one exported snapshot, and the checksums read in that same snapshot."""
    with psycopg.connect(target.location) as raw:
        raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        row = raw.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--snapshot={row[0]}",
                f"--file={folder / PG_FILE}",
                f"--dbname={target.location}",
            ]
        )
        sums = checksums(raw, "postgresql")
        raw.rollback()
    return sums


def _sqlite(location: str) -> sqlite3.Connection:
    # "file:…?mode=memory" names (the test database) need URI parsing; paths do not.
    return sqlite3.connect(location, uri=location.startswith("file:"))


def _dump_sqlite(target: Target, folder: Path) -> Checksums:
    """SQLite's online backup (a consistent copy); the checksums are read from the copy."""
    with _sqlite(target.location) as source, sqlite3.connect(folder / SQLITE_FILE) as copy:
        source.backup(copy)
        return checksums(copy, "sqlite")


def _pack_data_dir(data_dir: Path, archive: Path, leave_out: set[Path]) -> None:
    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        path = (data_dir / info.name).resolve()
        if any(path == out or out in path.parents for out in leave_out):
            return None
        return info

    with tarfile.open(archive, "w:gz") as tar:
        for child in sorted(data_dir.iterdir()):
            tar.add(child, arcname=child.name, filter=keep)


def backup(destination: Path, target: Target | None = None) -> Path:
    """Write a backup folder under `destination`; returns its path."""
    target = target or Target.configured()
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    folder = destination.resolve() / f"jiuzhu-backup-{stamp}"
    folder.mkdir(parents=True, mode=0o700)
    if target.vendor == "postgresql":
        sums = _dump_postgres(target, folder)
    else:
        sums = _dump_sqlite(target, folder)
    data_dir = Path(settings.DATA_DIR).resolve()
    leave_out = {destination.resolve(), data_dir / "static"}
    if target.vendor == "sqlite":
        db_file = Path(target.location).resolve()
        leave_out |= {db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm")}
    _pack_data_dir(data_dir, folder / DATA_FILE, leave_out)
    files = [PG_FILE if target.vendor == "postgresql" else SQLITE_FILE, DATA_FILE]
    manifest = {
        "format": FORMAT_VERSION,
        "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "engine": target.vendor,
        "files": {name: file_sha256(folder / name) for name in files},
        "tables": sums,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    for child in folder.iterdir():
        child.chmod(0o600)  # the backup holds ID numbers and accounts: owner only
    return folder


def read_manifest(folder: Path) -> dict[str, Any]:
    """The backup's manifest, after checking every file against its SHA-256."""
    path = folder / MANIFEST
    if not path.is_file():
        raise DomainError(f"{folder} 不是备份目录（缺少 {MANIFEST}）。")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise DomainError("备份格式版本不受支持。")
    for name, expected in manifest["files"].items():
        if not (folder / name).is_file() or file_sha256(folder / name) != expected:
            raise DomainError(f"备份文件 {name} 缺失或已损坏（校验值不符），未作任何恢复。")
    return manifest


@dataclass
class RestoreReport:
    tables: int
    rows: int
    mismatched: list[str]

    @property
    def ok(self) -> bool:
        return not self.mismatched


def _restore_postgres(folder: Path, target: Target) -> None:
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--exit-on-error",
            f"--dbname={target.location}",
            str(folder / PG_FILE),
        ]
    )


def _restore_sqlite(folder: Path, target: Target) -> None:
    with sqlite3.connect(folder / SQLITE_FILE) as source, _sqlite(target.location) as dest:
        source.backup(dest)


@contextmanager
def _closed_django_connection() -> Iterator[None]:
    # The restore replaces the database under Django's feet: no connection may stay open.
    connection.close()
    yield
    connection.close()


def restore(
    folder: Path, target: Target | None = None, data_dir: Path | None = None
) -> RestoreReport:
    """Restore a backup folder into `target` (default: the platform's database) and
    `data_dir` (default: the data directory), then compare every table with the manifest."""
    target = target or Target.configured()
    manifest = read_manifest(folder)
    if manifest["engine"] != target.vendor:
        raise DomainError(
            f"备份来自 {manifest['engine']} 数据库，不能恢复到 {target.vendor}；"
            "请用同类数据库恢复。"
        )
    with _closed_django_connection():
        if target.vendor == "postgresql":
            _restore_postgres(folder, target)
        else:
            _restore_sqlite(folder, target)
        restored = checksums_of(target)
    data_dir = (data_dir or Path(settings.DATA_DIR)).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / DATA_FILE, "r:gz") as tar:
        tar.extractall(data_dir, filter="data")
    expected: Checksums = manifest["tables"]
    mismatched = sorted(
        table
        for table in set(expected) | set(restored)
        if list(expected.get(table, [])) != list(restored.get(table, []))
    )
    rows = sum(count for count, _ in expected.values())
    return RestoreReport(tables=len(expected), rows=rows, mismatched=mismatched)
