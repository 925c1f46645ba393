"""Validate a department extract (CSV or XLSX) into a Parquet file, streaming.

File-level problems (format, encoding, header, wrong source) raise DomainError before a
single row is kept. Row-level problems are collected with their line numbers; the valid
rows are written to a staged Parquet file that the officer then keeps or discards.
Validation is vectorised per batch (Arrow compute and numpy): a 10-million-row file goes
through without a Python loop per row.
"""

import codecs
import datetime as dt
import hashlib
import os
import queue
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
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
CSV_BLOCK_BYTES = 16 << 20
_AMOUNT = r"^[0-9]{1,13}(\.[0-9]{1,2})?$"
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


def _csv_batches(path: Path, source: Source, encoding: str, result: ValidationResult):
    with open(path, encoding=encoding, newline="") as handle:
        first_line = handle.readline()
    header = next(iter(_split_csv_line(first_line)), [])
    columns = map_header(source, header)

    def on_invalid(row: Any) -> str:
        line = (row.number or 0) + 0
        result.rows_total += 1
        result.rows_invalid += 1
        result.add_errors(
            np.array([line]), "", f"字段数为{row.actual_columns}，表头为{row.expected_columns}列"
        )
        return "skip"

    read_options = pcsv.ReadOptions(
        encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
        block_size=CSV_BLOCK_BYTES,
        column_names=columns,
        skip_rows=1,
    )
    convert_options = pcsv.ConvertOptions(
        column_types={c: pa.string() for c in columns}, strings_can_be_null=False
    )
    parse_options = pcsv.ParseOptions(invalid_row_handler=on_invalid)
    try:
        reader = pcsv.open_csv(
            path,
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert_options,
        )
    except pa.ArrowInvalid as error:
        raise DomainError(f"文件格式错误：{_arrow_message(error)}") from None
    line = 2  # the first data row is line 2 of the file
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid as error:
            raise DomainError(f"文件格式或编码错误：{_arrow_message(error)}") from None
        if batch.num_rows:
            yield line, pa.Table.from_batches([batch])
            line += batch.num_rows


def _arrow_message(error: Exception) -> str:
    text = str(error)
    if "UTF8" in text or "utf8" in text or "UTF-8" in text:
        return "文件中有无法识别的字符（编码不一致），请统一保存为 UTF-8 或 GBK 编码。"
    return text[:200]


def _split_csv_line(line: str) -> Iterator[list[str]]:
    import csv

    return csv.reader([line])


def _xlsx_batches(path: Path, source: Source) -> Iterator[tuple[int, pa.Table]]:
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
        line = first = 2
        for values in rows:
            cells = list(values[:width]) + [None] * (width - len(values))
            if all(v in (None, "") for v in cells):
                line += 1
                continue
            for target, value in zip(buffer, cells, strict=True):
                target.append(_cell_text(value))
            line += 1
            if len(buffer[0]) >= XLSX_BATCH_ROWS:
                yield first, pa.table(dict(zip(columns, buffer, strict=True)))
                buffer = [[] for _ in columns]
                first = line
        if buffer[0]:
            yield first, pa.table(dict(zip(columns, buffer, strict=True)))
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
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


def _may_need_trim(values: pa.Array) -> bool:
    """False when no value can start or end with whitespace (a cheap, conservative test)."""
    offsets = _offsets(values)
    data = _data(values)
    starts, ends = offsets[:-1], offsets[1:]
    full = ends > starts
    if not full.any():
        return False
    starts, ends = starts[full], ends[full]
    if _SPACE_LEADS[data[starts]].any():
        return True
    last = data[ends - 1]
    if (last <= 0x20).any():
        return True
    # The last character's lead byte is 2 or 3 bytes back (or further for 4-byte ones,
    # which are never whitespace); looking at both can only over-report.
    wide = last >= 0x80
    if wide.any():
        back2 = data[np.maximum(ends[wide] - 2, 0)]
        back3 = data[np.maximum(ends[wide] - 3, 0)]
        if (back2 == 0xC2).any() or np.isin(back3, (0xE1, 0xE2, 0xE3)).any():
            return True
    return False


def _trim(values: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(values) if _may_need_trim(values) else values


_PROVINCE_TABLE = np.zeros(100, dtype=bool)
_PROVINCE_TABLE[[int(p) for p in PROVINCE_PREFIXES]] = True
_WEIGHTS_F32 = np.array(WEIGHTS, dtype=np.float32)
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int16)


def _id_valid(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """GB 11643 check on upper-cased, trimmed strings (empty → False), on a byte matrix.

    Returns the validity mask and, for the valid ones, the birth date (days since 1970).
    """
    n = len(values)
    ok = _byte_lengths(values) == 18
    births = np.zeros(n, dtype=np.int32)
    if not ok.any():
        return ok, births
    index = np.nonzero(ok)[0]
    # Each kept value is exactly 18 bytes, so the data buffer is an (m, 18) matrix.
    shaped = values if len(index) == n else pc.take(values, pa.array(index))
    start = int(_offsets(shaped)[0])
    matrix = _data(shaped)[start : start + len(index) * 18].reshape(-1, 18) - np.uint8(48)
    good = (matrix[:, :17] <= 9).all(axis=1)
    total = (matrix[:, :17].astype(np.float32) @ _WEIGHTS_F32).astype(np.int16)
    d = np.ascontiguousarray(matrix[:, :14].T).astype(np.int16)
    checks = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8) - np.uint8(48)
    good &= checks[total % 11] == matrix[:, 17]
    good &= _PROVINCE_TABLE[np.clip(d[0] * 10 + d[1], 0, 99)]
    good &= (d[2] | d[3] | d[4] | d[5]) != 0
    year = d[6].astype(np.int32) * 1000 + d[7] * 100 + d[8] * 10 + d[9]
    month, day = d[10] * 10 + d[11], d[12] * 10 + d[13]
    good &= _valid_ymd(year, month, day)
    result = np.zeros(n, dtype=bool)
    result[index] = good
    births[index] = _days(good, year, month, day)
    return result, births


def _days(good: np.ndarray, year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 where `good` (a real date), 0 elsewhere."""
    months = (np.where(good, year, 1970) - 1970) * 12 + np.where(good, month, 1) - 1
    stamp = months.astype("datetime64[M]").astype("datetime64[D]") + np.where(good, day, 1) - 1
    return np.where(good, stamp.astype(np.int32), 0)


def _valid_ymd(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """A real calendar date between 1890 and today."""
    ok = (year >= 1890) & (month >= 1) & (month <= 12) & (day >= 1)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    length = _MONTH_DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok &= day <= length
    today = dt.date.today()
    ok &= year * 10000 + month * 100 + day <= today.year * 10000 + today.month * 100 + today.day
    return ok


def _parse_date(values: pa.Array) -> pa.Array:
    """date32, null where empty or not a real date.

    Values that are plainly a real YYYY-MM-DD date are converted on a byte matrix; the
    rest (other formats, impossible dates, empty) go through `_parse_date_slow`.
    """
    n = len(values)
    iso = _byte_lengths(values) == 10
    index = np.nonzero(iso)[0]
    days = np.zeros(n, dtype=np.int32)
    fast = np.zeros(n, dtype=bool)
    if len(index):
        shaped = values if len(index) == n else pc.take(values, pa.array(index))
        start = int(_offsets(shaped)[0])
        m = _data(shaped)[start : start + len(index) * 10].reshape(-1, 10) - np.uint8(48)
        digits = m[:, [0, 1, 2, 3, 5, 6, 8, 9]]
        good = (digits <= 9).all(axis=1) & (m[:, 4] == 253) & (m[:, 7] == 253)  # '-' - '0'
        d = digits.astype(np.int32)
        year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
        month = d[:, 4] * 10 + d[:, 5]
        day = d[:, 6] * 10 + d[:, 7]
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        length = _MONTH_DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
        good &= (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= length)
        fast[index] = good
        days[index] = _days(good, year, month, day)
    result = pa.array(days, type=pa.date32(), mask=~fast)
    rest = np.nonzero(~fast & ~(_byte_lengths(values) == 0))[0]
    if len(rest) == 0:
        return result
    slow = _parse_date_slow(pc.take(values, pa.array(rest))).to_numpy(zero_copy_only=False)
    valid = ~np.isnat(slow)
    fast[rest[valid]] = True
    days[rest[valid]] = slow[valid].astype("datetime64[D]").astype(np.int32)
    return pa.array(days, type=pa.date32(), mask=~fast)


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


def _amount_fen(values: pa.Array, present: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Yuan strings → int64 fen and a validity mask (empty counts as valid, null amount).

    Parsed through float64, which is exact after rounding for amounts below 10^13 yuan
    with at most two decimals; the regular expression only runs when the fast path fails.
    """
    nonempty = pc.if_else(pa.array(present), values, pa.scalar(None, pa.string()))
    try:
        as_float = pc.cast(nonempty, pa.float64())
        ok = np.ones(len(values), dtype=bool)
    except pa.ArrowInvalid:
        ok = np.asarray(
            pc.fill_null(pc.match_substring_regex(nonempty, _AMOUNT), True).to_numpy(
                zero_copy_only=False
            )
        )
        nonempty = pc.if_else(pa.array(ok), nonempty, pa.scalar(None, pa.string()))
        as_float = pc.cast(nonempty, pa.float64())
    cents = pc.multiply(as_float, 100.0).to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):
        rounded = np.round(cents)
        ok &= np.isnan(cents) | ((cents >= 0) & (cents < 1e15) & (np.abs(cents - rounded) < 1e-6))
    fen = pa.array(np.where(np.isnan(rounded) | ~ok, 0, rounded).astype(np.int64))
    fen = pc.if_else(pc.is_null(as_float), pa.scalar(None, pa.int64()), fen)
    return fen, ok


def validate_batch(
    source: Source, table: pa.Table, first_line: int, result: ValidationResult
) -> pa.Table | None:
    """Check one batch; record errors; return the valid rows typed, with their facts."""
    n = table.num_rows
    lines = np.arange(first_line, first_line + n, dtype=np.int64)
    bad = np.zeros(n, dtype=bool)
    typed: dict[str, pa.Array] = {}
    id_births = np.zeros(n, dtype=np.int32)

    def fail(mask: np.ndarray, column: Column | None, message: str) -> None:
        nonlocal bad
        if mask.any():
            result.add_errors(lines[mask], column.label if column else "", message)
            bad |= mask

    for column in source.all_columns:
        if column.name in table.column_names:
            raw = _trim(table.column(column.name).combine_chunks())
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
        elif column.type == ColumnType.DATE:
            parsed = _parse_date(raw)
            fail(
                present & ~np.asarray(pc.is_valid(parsed).to_numpy(zero_copy_only=False)),
                column,
                "日期格式应为YYYY-MM-DD",
            )
            typed[column.name] = parsed
        elif column.type == ColumnType.AMOUNT:
            if (_data(raw) == ord(",")).any():
                raw = pc.replace_substring(raw, ",", "")
            fen, ok = _amount_fen(raw, present)
            fail(present & ~ok, column, "金额应为不小于0、最多两位小数的数字")
            typed[column.name] = fen
        elif column.type == ColumnType.INT:
            ok = np.asarray(pc.match_substring_regex(raw, _INT).to_numpy(zero_copy_only=False))
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
    id_missing = ~np.asarray(pc.is_valid(typed["id_number"]).to_numpy(zero_copy_only=False))
    birth = typed["birth_date"]
    birth_missing = ~np.asarray(pc.is_valid(birth).to_numpy(zero_copy_only=False))
    fail(
        id_missing & birth_missing & ~bad,
        source.column("birth_date"),
        "缺少身份证号时须填写出生日期",
    )
    birth_days = np.asarray(birth.cast(pa.int32()).fill_null(0).to_numpy(zero_copy_only=False))
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
    out_lines = pa.array(lines[~bad])
    return _with_facts(source, out, out_lines, n - invalid, result)


def _with_facts(
    source: Source, typed: dict[str, pa.Array], lines: pa.Array, n: int, result: ValidationResult
) -> pa.Table:
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


def _prefetch(items: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Run a producer in a thread so reading, checking and writing overlap.

    Arrow's reader and writer release the GIL, so on two cores the stages run in parallel.
    """
    box: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                box.put(("item", item))
            box.put(("end", None))
        except BaseException as error:  # handed to the consumer, raised there
            box.put(("error", error))

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    try:
        while True:
            tag, value = box.get()
            if tag == "end":
                return
            if tag == "error":
                raise value
            yield value
    finally:
        stop.set()
        while thread.is_alive():
            try:
                box.get_nowait()
            except queue.Empty:
                thread.join(0.05)


class _StagedWriter:
    """Writes valid rows in a thread and keeps a hash per row to find duplicated rows."""

    def __init__(self, path: Path, source: Source, metadata: dict[str, str]) -> None:
        self.path = path
        self.metadata = metadata
        self.key_columns = ["id_number", "name", "birth_date"] + [
            f"col_{c.name}" for c in source.columns
        ]
        self.unique = {"row_no", "id_number", "amount_fen"} | {
            f"col_{c.name}" for c in source.columns if c.type == ColumnType.AMOUNT
        }
        self.writer: pq.ParquetWriter | None = None
        self.hashes: list[np.ndarray] = []
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
                    schema = table.schema.with_metadata(self.metadata)
                    # Dictionary encoding only pays on repetitive columns; on unique ones
                    # (row number, ID number, amounts) it costs time and is then dropped.
                    self.writer = pq.ParquetWriter(
                        self.path,
                        schema,
                        compression="snappy",
                        use_dictionary=[n for n in schema.names if n not in self.unique],
                    )
                self.writer.write_table(table.replace_schema_metadata(self.metadata))
                self.con.register("batch", table)
                keys = ", ".join(self.key_columns)
                hashed = self.con.execute(f"SELECT hash({keys}) AS h FROM batch").fetchnumpy()
                self.con.unregister("batch")
                self.hashes.append(np.asarray(hashed["h"]))
                self.rows.append(table.column("row_no").to_numpy())
        except BaseException as error:
            self.error = error

    def put(self, table: pa.Table) -> None:
        if self.error is not None:
            raise self.error
        self.jobs.put(table)

    def close(self) -> bool:
        """Finish writing; True if any row was written."""
        self.jobs.put(None)
        self.thread.join()
        if self.writer is not None:
            self.writer.close()
        if self.error is not None:
            raise self.error
        return self.writer is not None

    def duplicates(self) -> list[tuple[int, int]]:
        """(row, first row with the same content) for every repeated row."""
        if not self.hashes:
            return []
        hashes = np.concatenate(self.hashes)
        rows = np.concatenate(self.rows)
        order = np.argsort(hashes, kind="stable")
        sorted_hashes = hashes[order]
        same = sorted_hashes[1:] == sorted_hashes[:-1]
        if not same.any():
            return []
        suspects = np.unique(
            rows[order][np.concatenate([[False], same]) | np.concatenate([same, [False]])]
        )
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
    result = ValidationResult(
        source=source.code, encoding=encoding, sha256=sha256 or file_sha256(path)
    )
    batches = (
        _csv_batches(path, source, encoding, result)
        if fmt == "csv"
        else _xlsx_batches(path, source)
    )
    staged.parent.mkdir(parents=True, exist_ok=True)
    # Provenance travels with the file as Parquet key-value metadata.
    metadata = {
        "source": source.code,
        "extract_date": extract_date.isoformat(),
        "sha256": result.sha256,
        **(provenance or {}),
    }
    writer = _StagedWriter(staged, source, metadata)
    try:
        for first_line, table in _prefetch(batches):
            valid = validate_batch(source, table, first_line, result)
            if valid is not None:
                writer.put(
                    valid.append_column(
                        "extract_date",
                        pa.repeat(pa.scalar(extract_date, pa.date32()), valid.num_rows),
                    )
                )
        wrote = writer.close()
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
