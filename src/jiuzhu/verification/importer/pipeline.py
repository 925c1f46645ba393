"""Validating a whole extract: read in batches, check them side by side, write in order.

The file is read on the caller's thread, batches are checked on WORKERS threads and
written on another (staged.StagedWriter); the checks' kernels (numpy, Arrow, and DuckDB
for the ID numbers' digests) release the GIL.
"""

import datetime as dt
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa

from jiuzhu.core.errors import DomainError
from jiuzhu.core.files import file_sha256
from jiuzhu.verification.importer.checks import CheckedBatch, validate_batch
from jiuzhu.verification.importer.readers import (
    Batch,
    csv_batches,
    detect_encoding,
    detect_format,
    xlsx_batches,
)
from jiuzhu.verification.importer.result import ValidationResult
from jiuzhu.verification.importer.staged import StagedWriter
from jiuzhu.verification.sources import Source

# Batches checked side by side; the checks' numpy and Arrow kernels release the GIL.
WORKERS = 2


def _check(
    source: Source,
    extract_date: dt.date,
    writer: StagedWriter,
    lines: np.ndarray,
    table: pa.Table,
) -> CheckedBatch:
    """One batch checked on its own, so that batches can be checked side by side."""
    part = ValidationResult(source=source.code, encoding="", sha256="")
    valid = validate_batch(source, table, lines, part)
    if valid is None:
        return CheckedBatch(part, None)
    valid = valid.append_column(
        "extract_date", pa.repeat(pa.scalar(extract_date, pa.date32()), valid.num_rows)
    )
    hashes = writer.row_hashes(valid)
    return CheckedBatch(part, valid, hashes, np.sort(hashes))


def _in_order(
    pool: ThreadPoolExecutor,
    check: Callable[[np.ndarray, pa.Table], CheckedBatch],
    batches: Iterator[Batch],
) -> Iterator[CheckedBatch]:
    """check(*batch) for every batch, run on the pool, yielded in the batches' order.

    The caller's thread reads the next batch meanwhile; Arrow's reader and the checks'
    numpy and Arrow kernels release the GIL, so on two cores they run in parallel.
    """
    pending: deque[Future[CheckedBatch]] = deque()
    for batch in batches:
        pending.append(pool.submit(check, *batch))
        if len(pending) > WORKERS:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _check_all(
    pool: ThreadPoolExecutor,
    path: Path,
    file_format: str,
    source: Source,
    extract_date: dt.date,
    writer: StagedWriter,
    result: ValidationResult,
) -> None:
    """Every batch checked on the pool, its valid rows queued for the writer in order."""
    # Rows the CSV parser skips are counted by its callback, on the parser's thread.
    rejected = ValidationResult(source=source.code, encoding=result.encoding, sha256="")
    batches = (
        csv_batches(path, source, result.encoding, rejected)
        if file_format == "csv"
        else xlsx_batches(path, source)
    )
    check = partial(_check, source, extract_date, writer)
    for batch in _in_order(pool, check, batches):
        result.merge(batch.part)
        if batch.valid is not None:
            writer.put(batch)
    result.merge(rejected)


def _drop_duplicates(writer: StagedWriter, result: ValidationResult) -> None:
    """A row with the same content as an earlier one is an error and leaves the file."""
    duplicates = writer.duplicates()
    if not duplicates:
        return
    for row_no, first in duplicates:
        result.add_errors(np.array([row_no]), "", f"与第{first}行重复")
    result.rows_valid -= len(duplicates)
    result.rows_invalid += len(duplicates)
    writer.drop([row for row, _ in duplicates])


def validate_file(
    path: Path,
    file_name: str,
    source: Source,
    staged: Path,
    extract_date: dt.date,
    provenance: dict[str, str] | None = None,
    sha256: str | None = None,
) -> ValidationResult:
    """Validate the whole file into `staged` (valid rows only). DomainError if unusable.

    `provenance` goes into the file's metadata with the source, extract date and digest;
    `sha256`, when the caller knows it already, spares computing it again.
    """
    file_format = detect_format(path, file_name)
    encoding = detect_encoding(path) if file_format == "csv" else "xlsx"
    # One extra thread: the file's digest is computed while its rows are checked.
    with ThreadPoolExecutor(WORKERS + 1) as pool:
        digest = pool.submit(file_sha256, path) if sha256 is None else None
        result = ValidationResult(source=source.code, encoding=encoding, sha256=sha256 or "")
        staged.parent.mkdir(parents=True, exist_ok=True)
        writer = StagedWriter(staged, source)
        try:
            _check_all(pool, path, file_format, source, extract_date, writer, result)
            if digest is not None:
                result.sha256 = digest.result()
            # Provenance travels with the file as Parquet key-value metadata.
            wrote = writer.close(
                {
                    "source": source.code,
                    "extract_date": extract_date.isoformat(),
                    "sha256": result.sha256,
                    **(provenance or {}),
                }
            )
            if result.rows_total == 0:
                raise DomainError("文件中没有数据行。")
            if wrote:
                _drop_duplicates(writer, result)
        except BaseException:
            writer.close() if writer.thread.is_alive() else None
            staged.unlink(missing_ok=True)
            raise
        finally:
            writer.con.close()
    result.errors.sort(key=lambda e: e.row)
    return result
