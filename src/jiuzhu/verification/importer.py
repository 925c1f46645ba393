"""Validate a department extract (CSV or XLSX) into a Parquet file, streaming.

File-level problems (format, encoding, header, wrong source) raise DomainError before a
single row is kept. Row-level problems are collected with their row numbers; the valid
rows are written to a staged Parquet file that the officer then keeps or discards.
Rows are numbered as Excel shows them, for the officer to find: the header is row 1,
blank rows count (and are then skipped), and a quoted value with line breaks is one row.
So in a text editor the number is the line's, unless such a value comes before it.
Validation is vectorised per batch (Arrow compute and numpy): a 10-million-row file goes
through without a Python loop per row. The file is read on the caller's thread, batches
are checked on WORKERS threads and written on another; their kernels release the GIL.
"""

import codecs
import datetime as dt
import hashlib
import os
import queue
import threading
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from jiuzhu.core.errors import DomainError
from jiuzhu.core.idnumber import CHECK_CHARS, PROVINCE_PREFIXES, WEIGHTS
from jiuzhu.verification.sources import SOURCES, Column, ColumnType, Source

MAX_ERRORS_KEPT = 1000
XLSX_BATCH_ROWS = 20_000
CSV_BLOCK_BYTES = 4 << 20
# Batches checked side by side; the checks' numpy and Arrow kernels release the GIL.
WORKERS = 2
_AMOUNT = r"^[0-9]{1,13}(\.[0-9]{1,2})?$"
_GROUPED_AMOUNT = r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]{1,2})?$"
_INT = r"^-?[0-9]{1,9}$"
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ValidationResult:
    source: str
    encoding: str
    sha256: str
    rows_total: int = 0
    rows_valid: int = 0
    rows_invalid: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)

    def merge(self, part: "ValidationResult") -> None:
        """Add a batch's counts and errors, as if they had been recorded here."""
        self.rows_total += part.rows_total
        self.rows_valid += part.rows_valid
        self.rows_invalid += part.rows_invalid
        self.error_count += part.error_count
        self.errors.extend(part.errors[: max(MAX_ERRORS_KEPT - len(self.errors), 0)])

    def add_errors(self, rows: np.ndarray, column: str, message: str) -> None:
        self.error_count += len(rows)
        room = MAX_ERRORS_KEPT - len(self.errors)
        for row in rows[: max(room, 0)]:
            self.errors.append(RowError(int(row), column, message))


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


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


def _header_names(source: Source) -> dict[str, str]:
    names: dict[str, str] = {}
    for column in source.all_columns:
        names[column.name] = column.name
        names[column.label] = column.name
    return names


def map_header(source: Source, header: list[str]) -> list[str]:
    """Header cells (English name or Chinese label) → column names; DomainError if wrong."""
    cleaned = [str(h or "").strip().lstrip("\ufeff") for h in header]
    if not any(cleaned):
        raise DomainError("文件为空或缺少表头行。")
    known = _header_names(source)
    mapped = [known.get(h) for h in cleaned]
    problems = []
    unknown = [h for h, m in zip(cleaned, mapped, strict=True) if m is None]
    present = [m for m in mapped if m]
    missing = [source.column(c).label for c in source.required_columns if c not in present]
    if unknown or missing:
        guess = _guess_source(cleaned, source)
        if guess is not None:
            problems.append(
                f"该文件的表头与「{source.department} · {source.name}」不符，"
                f"看起来是「{guess.department} · {guess.name}」的数据，请核对数据来源。"
            )
    if unknown:
        problems.append("未知的列：" + "、".join(unknown) + "。")
    if missing:
        problems.append("缺少必填列：" + "、".join(missing) + "。")
    duplicated = sorted({m for m in present if present.count(m) > 1})
    if duplicated:
        problems.append("列重复：" + "、".join(source.column(c).label for c in duplicated) + "。")
    if problems:
        expected = "、".join(c.label for c in source.all_columns)
        raise DomainError(" ".join(problems) + f" 本来源应有的列：{expected}。")
    return [m for m in mapped if m is not None]


def _guess_source(header: list[str], chosen: Source) -> Source | None:
    best, best_score = None, 0
    for source in SOURCES.values():
        if source.code == chosen.code:
            continue
        known = _header_names(source)
        if all(h in known for h in header):
            score = sum(1 for h in header if h in known)
            if score > best_score:
                best, best_score = source, score
    return best


# ---------------------------------------------------------------- reading in batches


def _csv_batches(
    path: Path, source: Source, encoding: str, rejected: ValidationResult
) -> Iterator[tuple[np.ndarray, pa.Table]]:
    """The data rows in batches, each with its rows' numbers (see the module's docstring).

    A row with the wrong number of fields is left out by the parser, which reports it to
    `on_invalid`; the batches' rows after it are numbered past it. Blank lines come out
    as rows of empty cells, numbered like the others, and validate_batch drops them.
    """
    with open(path, encoding=encoding, newline="") as handle:
        first_line = handle.readline()
    header = next(iter(_split_csv_line(first_line)), [])
    columns = map_header(source, header)
    left_out: list[int] = []  # numbers of the rows left out and not yet placed

    def on_invalid(row: Any) -> str:
        left_out.append(row.number)
        if row.text.strip():  # a line of spaces is a blank line
            rejected.rows_total += 1
            rejected.rows_invalid += 1
            rejected.add_errors(
                np.array([row.number]),
                "",
                f"字段数应为{row.expected_columns}，实为{row.actual_columns}"
                "（逗号多了或少了？含逗号的内容须加英文双引号）",
            )
        return "skip"

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
        reader = pcsv.open_csv(
            path,
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert_options,
        )
    except pa.ArrowInvalid as error:
        raise DomainError(f"文件格式错误：{_arrow_message(error)}") from None
    returned = 0  # rows the reader has returned
    before = 0  # rows left out before the next batch
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid as error:
            raise DomainError(f"文件格式或编码错误：{_arrow_message(error)}") from None
        n = batch.num_rows
        # The first data row is row 2: the header is row 1.
        lines = np.arange(n, dtype=np.int64) + (2 + returned + before)
        if left_out:  # rare: then place them among the rows returned
            # How many rows the reader returns before each row left out.
            places = np.array(left_out) - 2 - before - np.arange(len(left_out))
            inside = int(np.searchsorted(places, returned + n))
            lines += np.searchsorted(places[:inside] - returned, np.arange(n), side="right")
            del left_out[:inside]
            before += inside
        returned += n
        if n:
            yield lines, pa.Table.from_batches([batch])


def _arrow_message(error: Exception) -> str:
    text = str(error)
    if "UTF8" in text or "utf8" in text or "UTF-8" in text:
        return "文件中有无法识别的字符（编码不一致），请统一保存为 UTF-8 或 GBK 编码。"
    return text[:200]


def _split_csv_line(line: str) -> Iterator[list[str]]:
    import csv

    return csv.reader([line])


def _xlsx_batches(path: Path, source: Source) -> Iterator[tuple[np.ndarray, pa.Table]]:
    from openpyxl import load_workbook

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


# ---------------------------------------------------------------- vectorised checks


def _offsets(values: pa.Array) -> np.ndarray:
    """The n+1 offsets of a string array (nulls have equal offsets)."""
    assert values.type == pa.string()
    raw = np.frombuffer(values.buffers()[1], dtype=np.int32)
    return raw[values.offset : values.offset + len(values) + 1]


def _data(values: pa.Array) -> np.ndarray:
    buffer = values.buffers()[2]
    return np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, np.uint8)


def _byte_lengths(values: pa.Array) -> np.ndarray:
    return np.diff(_offsets(values))


def _is_empty(values: pa.Array) -> np.ndarray:
    return _byte_lengths(values) == 0


# Lead bytes of the only multi-byte characters that may be whitespace: U+0085, U+00A0
# (C2), U+1680 (E1), U+2000-U+205F (E2), U+3000 (E3).
_SPACE_LEADS = np.zeros(256, dtype=bool)
_SPACE_LEADS[:0x21] = True
_SPACE_LEADS[[0xC2, 0xE1, 0xE2, 0xE3]] = True
_SPACE_LEADS3 = np.zeros(256, dtype=bool)
_SPACE_LEADS3[[0xE1, 0xE2, 0xE3]] = True


def _may_need_trim(values: pa.Array) -> bool:
    """False when no value can start or end with whitespace (a cheap, conservative test).

    An empty value reads its neighbours' bytes, and a short one the previous value's: both
    can only over-report, which costs a needless trim and nothing else.
    """
    data = _data(values)
    if not len(data):
        return False
    offsets = _offsets(values)
    starts, ends = offsets[:-1], offsets[1:]
    if _SPACE_LEADS[data[np.minimum(starts, len(data) - 1)]].any():
        return True
    last = data[np.maximum(ends - 1, 0)]
    if (last <= 0x20).any():
        return True
    # The last character's lead byte is 2 or 3 bytes back (or further for 4-byte ones,
    # which are never whitespace); looking at both can only over-report.
    wide = last >= 0x80
    if not wide.any():
        return False
    back2 = data[np.maximum(ends - 2, 0)] == 0xC2
    back3 = _SPACE_LEADS3[data[np.maximum(ends - 3, 0)]]
    return bool((wide & (back2 | back3)).any())


def _trim(values: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(values) if _may_need_trim(values) else values


def _fixed_width(values: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the values exactly `width` bytes long, and their digits as (width, m).

    Row j holds the j-th character of every value, contiguous, so each step of a check is
    one vector operation over all values. A digit becomes 0-9; any other byte lands above
    9 (unsigned wrap-around).
    """
    index = np.flatnonzero(_byte_lengths(values) == width)
    shaped = values if len(index) == len(values) else pc.take(values, pa.array(index))
    start = int(_offsets(shaped)[0])
    matrix = _data(shaped)[start : start + len(index) * width].reshape(-1, width)
    # A fresh array: the matrix may be a view of Arrow's (shared, immutable) buffer.
    digits = np.empty((width, len(index)), dtype=np.uint8)
    np.subtract(matrix.T, np.uint8(48), out=digits)
    return index, digits


def _number(digits: np.ndarray, first: int, count: int) -> np.ndarray:
    """The decimal number in characters first … first+count-1 of a digit matrix (int32)."""
    value = digits[first].astype(np.int32)
    for row in digits[first + 1 : first + count]:
        value = value * 10 + row
    return value


_PROVINCE_TABLE = np.zeros(100, dtype=bool)
_PROVINCE_TABLE[[int(p) for p in PROVINCE_PREFIXES]] = True
_CHECK_DIGITS = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8) - np.uint8(48)
# Days in each month (February's leap day allowed), 0 for the impossible months 0 and 13+.
_MONTH_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0], dtype=np.int32)


def _id_valid(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """GB 11643 check on upper-cased, trimmed strings (empty → False), on a byte matrix.

    Returns the validity mask and, for the valid ones, the birth date (days since 1970).
    """
    n = len(values)
    ok = np.zeros(n, dtype=bool)
    births = np.zeros(n, dtype=np.int32)
    index, d = _fixed_width(values, 18)
    if not len(index):
        return ok, births
    good = np.ones(len(index), dtype=bool)
    total = np.zeros(len(index), dtype=np.uint16)  # at most 17·10·255, even for non-digits
    for row, weight in zip(d[:17], WEIGHTS, strict=True):
        good &= row <= 9
        total += row * np.uint16(weight)
    good &= _CHECK_DIGITS[total % 11] == d[17]
    good &= _PROVINCE_TABLE[np.minimum(_number(d, 0, 2), 99)]
    good &= _number(d, 2, 4) != 0
    year, month, day = _number(d, 6, 4), _number(d, 10, 2), _number(d, 12, 2)
    good &= (year >= 1890) & _real_date(year, month, day)
    today = dt.date.today()
    good &= year * 10000 + month * 100 + day <= today.year * 10000 + today.month * 100 + today.day
    ok[index] = good
    births[index] = np.where(good, _epoch_days(year, month, day), 0)
    return ok, births


def _real_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether month and day exist in that year (any year; non-negative numbers)."""
    ok = (month >= 1) & (day >= 1) & (day <= _MONTH_DAYS[np.minimum(month, 13)])
    # Only 29 February depends on the year: test leap years on those rows alone.
    feb29 = ok & (month == 2) & (day == 29)
    if feb29.any():
        y = year[feb29]
        ok[feb29] = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    return ok


def _epoch_days(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of real dates, by arithmetic (H. Hinnant's days_from_civil).

    Meaningless for impossible dates; callers mask those.
    """
    y = year - (month <= 2)
    era = y // 400
    year_of_era = y - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return (era * 146097 + day_of_era - 719468).astype(np.int32)


def _parse_date(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970 and a validity mask (False where empty or not a real date).

    Values that are plainly a real YYYY-MM-DD date are converted on a byte matrix; the
    rest (other formats, impossible dates, empty) go through `_parse_date_slow`.
    """
    n = len(values)
    days = np.zeros(n, dtype=np.int32)
    valid = np.zeros(n, dtype=bool)
    index, d = _fixed_width(values, 10)
    if len(index):
        good = (d[4] == 253) & (d[7] == 253)  # '-' - '0'
        for row in d[[0, 1, 2, 3, 5, 6, 8, 9]]:
            good &= row <= 9
        year, month, day = _number(d, 0, 4), _number(d, 5, 2), _number(d, 8, 2)
        good &= (year >= 1) & _real_date(year, month, day)
        valid[index] = good
        days[index] = np.where(good, _epoch_days(year, month, day), 0)
    rest = np.flatnonzero(~valid & (_byte_lengths(values) > 0))
    if len(rest):
        slow = _parse_date_slow(pc.take(values, pa.array(rest))).to_numpy(zero_copy_only=False)
        parsed = ~np.isnat(slow)
        valid[rest[parsed]] = True
        days[rest[parsed]] = slow[parsed].astype("datetime64[D]").astype(np.int32)
    return days, valid


def _parse_date_slow(values: pa.Array) -> pa.Array:
    """date32, null where empty or not a real date. ISO dates take a fast cast.

    Arrow's parsers accept some impossible days (1960-02-30), so every parsed value must
    print back as the text it came from.
    """
    nonempty = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    try:
        parsed = pc.cast(nonempty, pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        parsed = None
    if parsed is not None:
        same = pc.equal(pc.cast(parsed, pa.string()), nonempty)
        return pc.if_else(same, parsed, pa.scalar(None, pa.date32()))
    result = None
    for fmt in _DATE_FORMATS:
        attempt = pc.strptime(nonempty, format=fmt, unit="s", error_is_null=True)
        same = pc.equal(pc.strftime(attempt, format=fmt), nonempty)
        attempt = pc.cast(pc.if_else(same, attempt, pa.scalar(None, attempt.type)), pa.date32())
        result = attempt if result is None else pc.coalesce(result, attempt)
    assert result is not None
    return result


def _matches(values: pa.Array, pattern: str) -> np.ndarray:
    return np.asarray(pc.match_substring_regex(values, pattern).to_numpy(zero_copy_only=False))


def _plain_amounts(values: pa.Array) -> np.ndarray:
    """Which values are amounts as _AMOUNT writes them (no sign, exponent or separator).

    Decided on the bytes when they are all digits and dots, as they usually are; any other
    byte sends the batch through the regular expression, which is slower.
    """
    offsets = _offsets(values)
    data = _data(values)[offsets[0] : offsets[-1]]
    if len(data) and (data.min() < ord(".") or data.max() > ord("9") or (data == ord("/")).any()):
        return _matches(values, _AMOUNT)
    lengths = np.diff(offsets)
    dots = np.count_nonzero(data == ord("."))
    if not dots:
        return (lengths >= 1) & (lengths <= 13)
    at = np.asarray(pc.find_substring(values, ".").to_numpy(zero_copy_only=False))
    has_dot = at >= 0
    if np.count_nonzero(has_dot) != dots:  # a value with two dots
        return _matches(values, _AMOUNT)
    whole = np.where(has_dot, at, lengths)
    decimals = lengths - whole - 1  # -1 without a dot
    return (whole >= 1) & (whole <= 13) & (decimals != 0) & (decimals <= 2)


def _amount_fen(values: pa.Array, present: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Yuan strings → int64 fen (null unless valid) and a validity mask (empty is valid).

    Parsed through float64, which is exact after rounding for amounts of at most 13 digits
    and two decimals: the only ones _plain_amounts lets through.
    """
    plain = _plain_amounts(values)
    null = pa.scalar(None, pa.string())
    as_float = pc.cast(
        values if plain.all() else pc.if_else(pa.array(plain), values, null), pa.float64()
    )
    cents = np.round(as_float.to_numpy(zero_copy_only=False) * 100.0)
    fen = np.where(plain, cents, 0).astype(np.int64)
    return pa.array(fen, mask=None if plain.all() else ~plain), plain | ~present


def _column(table: pa.Table, name: str) -> pa.Array:
    column = table.column(name)
    # combine_chunks copies even a single chunk.
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _blank_rows(table: pa.Table) -> np.ndarray | None:
    """Where every cell is empty (a blank line, or only commas), or None if nowhere."""
    blank = None
    for name in table.column_names:
        empty = _is_empty(_column(table, name))
        blank = empty if blank is None else blank & empty
        if not blank.any():
            return None
    return blank


def validate_batch(
    source: Source, table: pa.Table, lines: np.ndarray, result: ValidationResult
) -> pa.Table | None:
    """Check one batch; record errors; return the valid rows typed, with their facts.

    `lines` are the rows' numbers. Blank rows are dropped and not counted.
    """
    blank = _blank_rows(table)
    if blank is not None:
        table, lines = table.filter(pa.array(~blank)), lines[~blank]
    n = table.num_rows
    if not n:
        return None
    bad = np.zeros(n, dtype=bool)
    typed: dict[str, pa.Array] = {}
    known: dict[str, np.ndarray] = {}  # where an ID or date column holds a usable value
    id_births = np.zeros(n, dtype=np.int32)
    birth_days = np.zeros(n, dtype=np.int32)

    def fail(mask: np.ndarray, column: Column | None, message: str) -> None:
        nonlocal bad
        if mask.any():
            result.add_errors(lines[mask], column.label if column else "", message)
            bad |= mask

    for column in source.all_columns:
        if column.name in table.column_names:
            raw = _trim(_column(table, column.name))
        else:
            raw = pa.repeat("", n)
        empty = _is_empty(raw)
        if column.required:
            fail(empty, column, "不能为空")
        present = ~empty
        null = pa.scalar(None, pa.string())
        if column.type == ColumnType.ID:
            raw = pc.ascii_upper(raw)
            valid_id, id_births = _id_valid(raw)
            fail(
                present & ~valid_id,
                column,
                "身份证号无效（长度、出生日期或校验码错误；Excel中请设为文本格式）",
            )
            typed[column.name] = raw if valid_id.all() else pc.if_else(valid_id, raw, null)
            known[column.name] = valid_id
        elif column.type == ColumnType.DATE:
            days, parsed = _parse_date(raw)
            fail(present & ~parsed, column, "日期格式应为YYYY-MM-DD")
            typed[column.name] = pa.array(days, pa.date32(), mask=None if parsed.all() else ~parsed)
            known[column.name] = parsed
            if column.name == "birth_date":
                birth_days = days
        elif column.type == ColumnType.AMOUNT:
            if (_data(raw) == ord(",")).any():
                # Excel exports group thousands: 1,200.50 is 1200.50, but 12,00 is refused.
                grouped = pc.match_substring_regex(raw, _GROUPED_AMOUNT)
                raw = pc.if_else(grouped, pc.replace_substring(raw, ",", ""), raw)
            fen, ok = _amount_fen(raw, present)
            fail(present & ~ok, column, "金额应为不小于0、最多两位小数的数字")
            typed[column.name] = fen
        elif column.type == ColumnType.INT:
            ok = _matches(raw, _INT)
            fail(present & ~ok, column, "应为整数")
            typed[column.name] = pc.cast(pc.if_else(pa.array(ok), raw, null), pa.int64())
        else:
            if column.type == ColumnType.ENUM:
                ok = np.asarray(
                    pc.is_in(raw, pa.array(column.choices)).to_numpy(zero_copy_only=False)
                )
                fail(present & ~ok, column, "应为以下之一：" + "、".join(column.choices))
            # A value within max_length bytes is within max_length characters.
            if (_byte_lengths(raw) > column.max_length).any():
                too_long = np.asarray(
                    pc.greater(pc.utf8_length(raw), column.max_length).to_numpy(
                        zero_copy_only=False
                    )
                )
                fail(too_long, column, f"过长（最多{column.max_length}字）")
            typed[column.name] = raw if present.all() else pc.if_else(present, raw, null)

    # Identity: without an ID number only name + birth date can match, so both are needed.
    id_missing = ~known["id_number"]
    birth_missing = ~known["birth_date"]
    fail(
        id_missing & birth_missing & ~bad,
        source.column("birth_date"),
        "缺少身份证号时须填写出生日期",
    )
    mismatch = ~id_missing & ~birth_missing & (id_births != birth_days)
    fail(
        mismatch & ~bad,
        source.column("birth_date"),
        "与身份证号中的出生日期不一致",
    )

    result.rows_total += n
    invalid = int(bad.sum())
    result.rows_invalid += invalid
    result.rows_valid += n - invalid
    if invalid == n:
        return None
    if invalid:
        keep = pa.array(~bad)
        out = {name: pc.filter(array, keep) for name, array in typed.items()}
    else:
        out = typed
    return _with_facts(source, out, pa.array(lines[~bad]), n - invalid)


def _with_facts(source: Source, typed: dict[str, pa.Array], lines: pa.Array, n: int) -> pa.Table:
    kind = pa.repeat(source.kind, n)
    category = pa.repeat(str(source.category), n)
    for (column, value), (other_kind, other_category) in source.overrides.items():
        hit = pc.fill_null(pc.equal(typed[column], value), False)
        kind = pc.if_else(hit, other_kind, kind)
        category = pc.if_else(hit, str(other_category), category)
    if source.amount_column:
        amount = pc.fill_null(typed[source.amount_column], 0)
    else:
        amount = pa.repeat(pa.scalar(0, pa.int64()), n)
    detail_parts = [pc.fill_null(pc.cast(typed[c], pa.string()), "") for c in source.detail_columns]
    if len(detail_parts) == 1 and detail_parts[0].type == pa.string():
        detail = detail_parts[0]
    elif detail_parts:
        detail = pc.utf8_trim_whitespace(pc.binary_join_element_wise(*detail_parts, " "))
    else:
        detail = pa.repeat("", n)
    columns: dict[str, pa.Array] = {
        "row_no": lines,
        "id_number": typed["id_number"],
        "name": typed["name"],
        "birth_date": typed["birth_date"],
        "source": pa.repeat(source.code, n),
        "kind": kind,
        "category": category,
        "amount_fen": amount,
        "detail": detail,
    }
    for declared in source.columns:
        columns[f"col_{declared.name}"] = typed[declared.name]
    return pa.table(columns)


@dataclass
class _Checked:
    """One batch after its checks: its counts and errors, its valid rows and their hashes."""

    part: ValidationResult
    valid: pa.Table | None
    hashes: np.ndarray | None = None
    ordered: np.ndarray | None = None


def _check(
    source: Source,
    extract_date: dt.date,
    writer: "_StagedWriter",
    lines: np.ndarray,
    table: pa.Table,
) -> _Checked:
    """One batch checked on its own, so that batches can be checked side by side."""
    part = ValidationResult(source=source.code, encoding="", sha256="")
    valid = validate_batch(source, table, lines, part)
    if valid is None:
        return _Checked(part, None)
    valid = valid.append_column(
        "extract_date", pa.repeat(pa.scalar(extract_date, pa.date32()), valid.num_rows)
    )
    hashes = writer.row_hashes(valid)
    return _Checked(part, valid, hashes, np.sort(hashes))


def _in_order(
    pool: ThreadPoolExecutor,
    check: Callable[[np.ndarray, pa.Table], _Checked],
    batches: Iterator[Any],
) -> Iterator[_Checked]:
    """check(*batch) for every batch, run on the pool, yielded in the batches' order.

    The caller's thread reads the next batch meanwhile; Arrow's reader and the checks'
    numpy and Arrow kernels release the GIL, so on two cores they run in parallel.
    """
    pending: deque[Future[_Checked]] = deque()
    for batch in batches:
        pending.append(pool.submit(check, *batch))
        if len(pending) > WORKERS:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


class _StagedWriter:
    """Writes valid rows in a thread and keeps a hash per row to find duplicated rows."""

    def __init__(self, path: Path, source: Source) -> None:
        self.path = path
        self.metadata: dict[str, str] = {}
        self.key_columns = ["id_number", "name", "birth_date"] + [
            f"col_{c.name}" for c in source.columns
        ]
        self.unique = {"row_no", "id_number", "amount_fen"} | {
            f"col_{c.name}" for c in source.columns if c.type == ColumnType.AMOUNT
        }
        self.writer: pq.ParquetWriter | None = None
        self.hashes: list[np.ndarray] = []
        self.ordered: list[np.ndarray] = []  # each batch's hashes, sorted
        self.rows: list[np.ndarray] = []
        self.jobs: queue.Queue[pa.Table | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.con = duckdb.connect()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while (table := self.jobs.get()) is not None:
                if self.error is not None:
                    continue
                if self.writer is None:
                    self.writer = self._open(table.schema)
                self.writer.write_table(table)
        except BaseException as error:
            self.error = error

    def _open(self, schema: pa.Schema) -> pq.ParquetWriter:
        text = {f.name for f in schema if f.type == pa.string()}
        return pq.ParquetWriter(
            self.path,
            schema,
            compression="snappy",
            # Dictionary encoding only pays on repetitive columns; on unique ones (row
            # number, ID number, amounts) it costs time and is then dropped.
            use_dictionary=[n for n in schema.names if n not in self.unique],
            # Minimum and maximum of numbers and dates let readers skip row groups; those
            # of names or ID numbers would skip nothing and cost a fifth of the writing.
            write_statistics=[n for n in schema.names if n not in text],
            # No Arrow schema: the Parquet types read back the same, and the provenance
            # can then be added at close, once the file's digest is known.
            store_schema=False,
        )

    def row_hashes(self, table: pa.Table) -> np.ndarray:
        """A hash of each row's content; safe on any thread (a cursor of its own)."""
        keys = ", ".join(self.key_columns)
        with self.con.cursor() as cursor:
            cursor.register("batch", table)
            hashed = cursor.execute(f"SELECT hash({keys}) AS h FROM batch").fetchnumpy()
        return np.asarray(hashed["h"])

    def put(self, batch: _Checked) -> None:
        """Queue a checked batch's valid rows; batches must come in the file's order."""
        if self.error is not None:
            raise self.error
        assert batch.valid is not None and batch.hashes is not None and batch.ordered is not None
        self.hashes.append(batch.hashes)
        self.ordered.append(batch.ordered)
        self.rows.append(batch.valid.column("row_no").to_numpy())
        self.jobs.put(batch.valid)

    def close(self, metadata: dict[str, str] | None = None) -> bool:
        """Finish writing, with `metadata` in the file; True if any row was written."""
        self.jobs.put(None)
        self.thread.join()
        if self.writer is not None:
            if metadata is not None and self.error is None:
                self.metadata = metadata
                self.writer.add_key_value_metadata(metadata)
            self.writer.close()
        if self.error is not None:
            raise self.error
        return self.writer is not None

    def duplicates(self) -> list[tuple[int, int]]:
        """(row, first row with the same content) for every repeated row."""
        if not self.hashes:
            return []
        hashes = np.concatenate(self.hashes)
        # The batches come sorted already, and a stable sort (timsort) merges such runs in
        # a fraction of a full sort; the values alone tell which hashes repeat.
        ordered = np.sort(np.concatenate(self.ordered), kind="stable")
        repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
        if not len(repeated):
            return []
        slot = np.minimum(np.searchsorted(repeated, hashes), len(repeated) - 1)
        suspects = np.concatenate(self.rows)[repeated[slot] == hashes]
        self.con.register("suspects", pa.table({"row_no": suspects}))
        keys = ", ".join(self.key_columns)
        found = self.con.execute(
            f"SELECT row_no, first FROM (SELECT row_no, min(row_no) OVER (PARTITION BY {keys}) "
            f"AS first FROM read_parquet('{self.path}') WHERE row_no IN "
            f"(SELECT row_no FROM suspects)) WHERE row_no <> first ORDER BY row_no"
        ).fetchall()
        return [(int(a), int(b)) for a, b in found]

    def drop(self, rows: list[int]) -> None:
        self.con.register("dups", pa.table({"row_no": np.array(rows, dtype=np.int64)}))
        kv = ", ".join(f"{k}: '{v}'" for k, v in self.metadata.items() if "'" not in k + v)
        rewritten = self.path.with_suffix(".dedup.parquet")
        self.con.execute(
            f"COPY (SELECT * FROM read_parquet('{self.path}') WHERE row_no NOT IN "
            f"(SELECT row_no FROM dups) ORDER BY row_no) TO '{rewritten}' "
            f"(FORMAT parquet, COMPRESSION snappy, KV_METADATA {{{kv}}})"
        )
        os.replace(rewritten, self.path)


def validate_file(
    path: Path,
    file_name: str,
    source: Source,
    staged: Path,
    extract_date: dt.date,
    provenance: dict[str, str] | None = None,
    sha256: str | None = None,
) -> ValidationResult:
    """Validate the whole file into `staged` (valid rows only). DomainError if unusable."""
    fmt = detect_format(path, file_name)
    encoding = detect_encoding(path) if fmt == "csv" else "xlsx"
    # One extra thread: the file's digest is computed while its rows are checked.
    with ThreadPoolExecutor(WORKERS + 1) as pool:
        digest = pool.submit(file_sha256, path) if sha256 is None else None
        result = ValidationResult(source=source.code, encoding=encoding, sha256=sha256 or "")
        # Rows the CSV parser skips are counted by its callback, on the parser's thread.
        rejected = ValidationResult(source=source.code, encoding=encoding, sha256="")
        batches = (
            _csv_batches(path, source, encoding, rejected)
            if fmt == "csv"
            else _xlsx_batches(path, source)
        )
        staged.parent.mkdir(parents=True, exist_ok=True)
        writer = _StagedWriter(staged, source)
        try:
            check = partial(_check, source, extract_date, writer)
            for batch in _in_order(pool, check, batches):
                result.merge(batch.part)
                if batch.valid is not None:
                    writer.put(batch)
            result.merge(rejected)
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
            duplicates = writer.duplicates() if wrote else []
            if duplicates:
                for row_no, first in duplicates:
                    result.add_errors(np.array([row_no]), "", f"与第{first}行重复")
                result.rows_valid -= len(duplicates)
                result.rows_invalid += len(duplicates)
                writer.drop([row for row, _ in duplicates])
        except BaseException:
            writer.close() if writer.thread.is_alive() else None
            staged.unlink(missing_ok=True)
            raise
        finally:
            writer.con.close()
    result.errors.sort(key=lambda e: e.row)
    return result
