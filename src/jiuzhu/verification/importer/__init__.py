"""Validate a department extract (CSV or XLSX) into a Parquet file, streaming.

File-level problems (format, encoding, header, wrong source) raise DomainError before a
single row is kept. Row-level problems are collected with their row numbers; the valid
rows are written to a staged Parquet file that the officer then keeps or discards.
Validation is vectorised per batch (Arrow compute and numpy): a 10-million-row file goes
through without a Python loop per row.

The package, in the order a file goes through it:
  readers   detect format and encoding; CSV/XLSX → batches of string columns, rows numbered
  header    the header row → the source's columns (or which source the file looks like)
  strings   byte-level views of Arrow string arrays
  kernels   column kernels: ID number (GB 11643), date and amount checks
  checks    one batch: each column by its type, the identity rule, the facts columns
  staged    the staged Parquet writer, and the duplicated rows
  pipeline  validate_file: batches checked side by side and written in order
"""

from jiuzhu.core.files import file_sha256
from jiuzhu.verification.importer.checks import validate_batch
from jiuzhu.verification.importer.header import map_header
from jiuzhu.verification.importer.pipeline import validate_file
from jiuzhu.verification.importer.readers import detect_encoding, detect_format
from jiuzhu.verification.importer.result import MAX_ERRORS_KEPT, RowError, ValidationResult

__all__ = [
    "MAX_ERRORS_KEPT",
    "RowError",
    "ValidationResult",
    "detect_encoding",
    "detect_format",
    "file_sha256",
    "map_header",
    "validate_batch",
    "validate_file",
]
