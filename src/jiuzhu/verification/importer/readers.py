"""Reading an extract (CSV or XLSX) in batches of string columns, each row with its number.

Rows are numbered as Excel shows them, for the officer to find: the header is row 1,
blank rows count (and are then skipped), and a quoted value with line breaks is one row.
So in a text editor the number is the line's, unless such a value comes before it.
File-level problems (format, encoding, header) raise DomainError before a row is read.
"""

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
from openpyxl import load_workbook

from jiuzhu.core.errors import DomainError
from jiuzhu.verification.importer.header import map_header
from jiuzhu.verification.importer.result import ValidationResult
from jiuzhu.verification.sources import Source

XLSX_BATCH_ROWS = 20_000
CSV_BLOCK_BYTES = 4 << 20

# A batch of rows: their numbers (as Excel shows them) and their cells as strings.
Batch = tuple[np.ndarray, pa.Table]


def detect_format(path: Path, file_name: str) -> str:
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith(b"PK") and zipfile.is_zipfile(path):
        return "xlsx"
    if file_name.lower().endswith((".xlsx", ".xls")):
        raise DomainError("无法读取该Excel文件：请另存为 .xlsx 或 CSV 格式后重新上传。")
    return "csv"


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) or GB18030, judged on the first megabyte."""
    with open(path, "rb") as handle:
        sample = handle.read(1 << 20)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            # final=False: a character cut at the sample's end is not an error.
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise DomainError("无法识别文件编码：请使用 UTF-8 或 GBK（GB18030）编码的 CSV 文件。")


class _LeftOutRows:
    """The CSV parser's callback for a row with the wrong number of fields.

    It records the row's number (to number the rows after it) and, unless the line is
    blank, an error in `rejected`. It runs on the parser's thread.
    """

    def __init__(self, rejected: ValidationResult) -> None:
        self.rejected = rejected
        self.numbers: list[int] = []  # rows left out and not yet placed among the batches

    def __call__(self, row: Any) -> str:
        self.numbers.append(row.number)
        if row.text.strip():  # a line of spaces is a blank line
            self.rejected.rows_total += 1
            self.rejected.rows_invalid += 1
            self.rejected.add_errors(
                np.array([row.number]),
                "",
                f"字段数应为{row.expected_columns}，实为{row.actual_columns}"
                "（逗号多了或少了？含逗号的内容须加英文双引号）",
            )
        return "skip"


def _open_csv(
    path: Path, encoding: str, columns: list[str], on_invalid: _LeftOutRows
) -> pcsv.CSVStreamingReader:
    read_options = pcsv.ReadOptions(
        encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
        block_size=CSV_BLOCK_BYTES,
        column_names=columns,
        skip_rows=1,
        # Arrow gives a skipped row's number only when it reads serially; the checks run
        # on threads of their own, so this costs nothing measurable.
        use_threads=False,
    )
    convert_options = pcsv.ConvertOptions(
        column_types={c: pa.string() for c in columns}, strings_can_be_null=False
    )
    parse_options = pcsv.ParseOptions(
        invalid_row_handler=on_invalid,
        # Kept (as empty rows) so that each row's place in the batches gives its number.
        ignore_empty_lines=False,
        # A quoted value may hold line breaks (Excel writes them); without this, one that
        # straddles two blocks made the whole file fail.
        newlines_in_values=True,
    )
    try:
        return pcsv.open_csv(
            path,
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert_options,
        )
    except pa.ArrowInvalid as error:
        raise DomainError(f"文件格式错误：{_arrow_message(error)}") from None


def csv_batches(
    path: Path, source: Source, encoding: str, rejected: ValidationResult
) -> Iterator[Batch]:
    """The data rows in batches, each with its rows' numbers (see the module's docstring).

    A row with the wrong number of fields is left out by the parser, which reports it to
    `_LeftOutRows`; the batches' rows after it are numbered past it. Blank lines come out
    as rows of empty cells, numbered like the others, and validate_batch drops them.
    """
    with open(path, encoding=encoding, newline="") as handle:
        first_line = handle.readline()
    header = next(csv.reader([first_line]), [])
    columns = map_header(source, header)
    left_out = _LeftOutRows(rejected)
    reader = _open_csv(path, encoding, columns, left_out)
    returned = 0  # rows the reader has returned
    before = 0  # rows left out before the next batch
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid as error:
            raise DomainError(f"文件格式或编码错误：{_arrow_message(error)}") from None
        count = batch.num_rows
        # The first data row is row 2: the header is row 1.
        lines = np.arange(count, dtype=np.int64) + (2 + returned + before)
        if left_out.numbers:  # rare: then place them among the rows returned
            # How many rows the reader returns before each row left out.
            places = np.array(left_out.numbers) - 2 - before - np.arange(len(left_out.numbers))
            inside = int(np.searchsorted(places, returned + count))
            lines += np.searchsorted(places[:inside] - returned, np.arange(count), side="right")
            del left_out.numbers[:inside]
            before += inside
        returned += count
        if count:
            yield lines, pa.Table.from_batches([batch])


def _arrow_message(error: Exception) -> str:
    text = str(error)
    if "UTF8" in text or "utf8" in text or "UTF-8" in text:
        return "文件中有无法识别的字符（编码不一致），请统一保存为 UTF-8 或 GBK 编码。"
    return text[:200]


def xlsx_batches(path: Path, source: Source) -> Iterator[Batch]:
    """The first sheet's data rows in batches of XLSX_BATCH_ROWS, blank rows left out.

    The header's width bounds every row: cells past its last named column are ignored.
    """
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise DomainError("无法读取该Excel文件，请确认文件为 .xlsx 格式且未损坏。") from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise DomainError("文件为空或缺少表头行。")
        width = len(header)
        while width and header[width - 1] in (None, ""):
            width -= 1
        columns = map_header(source, list(header[:width]))
        buffer: list[list[str]] = [[] for _ in columns]
        lines: list[int] = []
        for line, values in enumerate(rows, start=2):
            cells = list(values[:width]) + [None] * (width - len(values))
            if all(v in (None, "") for v in cells):
                continue
            for target, value in zip(buffer, cells, strict=True):
                target.append(_cell_text(value))
            lines.append(line)
            if len(lines) >= XLSX_BATCH_ROWS:
                yield np.array(lines), pa.table(dict(zip(columns, buffer, strict=True)))
                buffer = [[] for _ in columns]
                lines = []
        if lines:
            yield np.array(lines), pa.table(dict(zip(columns, buffer, strict=True)))
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # 15 digits drop the binary noise of a formula's result (0.1+0.2 is stored as
        # 0.30000000000000004), which would otherwise fail the amount check.
        return format(value, ".15g")
    return str(value)
