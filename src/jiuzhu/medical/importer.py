"""The medical insurance bureau's settlement extract (CSV or XLSX) → bill columns.

The columns are named by their Chinese headers, in any order. The file is read as columns
(pyarrow's CSV reader) and every check runs over whole columns: amounts, dates, the parts
adding up to the total, the dates' order. A bad row is named with its line number and the
first thing wrong with it, and nothing is recorded. `parse` gives the rows as bills for
services.record_bills; `read` gives the columns themselves for the bulk path.
"""

import datetime as dt
import io
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from django.utils import timezone
from openpyxl import load_workbook

from jiuzhu.core.errors import DomainError
from jiuzhu.medical.services import BillInput, parts_error, refusal

COLUMNS = {
    "身份证号": "id_number",
    "医疗机构": "hospital",
    "入院日期": "admitted_on",
    "出院日期": "discharged_on",
    "医疗总费用": "total",
    "基本医保支付": "basic",
    "大病保险支付": "critical",
    "政策范围内自付": "eligible",
    "政策外自费": "self_paid",
    "一站式结算": "one_stop",
    "医疗救助支付": "deducted",
}
OPTIONAL = ("政策外自费", "一站式结算", "医疗救助支付")
REQUIRED = [header for header in COLUMNS if header not in OPTIONAL]
HEADER_OF = {field: header for header, field in COLUMNS.items()}
YES = ["是", "1", "Y", "y"]
NO = ["否", "0", "N", "n", ""]
MONEY = ("total", "basic", "critical", "eligible", "self_paid", "deducted")
MAX_WHOLE_DIGITS = 10  # below ten thousand million yuan (core.money.MAX_YUAN)
MAX_ROWS = 2_000_000  # a year of a county (about 1 GB in memory); a larger one is split
DATE_EXAMPLE = "应为日期，例如 2026-03-05。"

Fen = npt.NDArray[np.int64]
Day = npt.NDArray[np.datetime64]


@dataclass(frozen=True)
class Extract:
    """The extract's good rows as columns; `line` is each row's line in the file."""

    line: npt.NDArray[np.int64]
    id_number: pa.Array
    hospital: pa.Array
    admitted_on: Day
    discharged_on: Day
    total_fen: Fen
    basic_fen: Fen
    critical_fen: Fen
    eligible_fen: Fen
    self_paid_fen: Fen
    one_stop: npt.NDArray[np.bool_]
    deducted_fen: Fen

    def __len__(self) -> int:
        return len(self.line)


class _Errors:
    """The first error of each bad row (in the order the row's cells are checked)."""

    def __init__(self, rows: int) -> None:
        self.message = np.full(rows, None, dtype=object)

    def add(self, bad: npt.NDArray[np.bool_], message: str | npt.NDArray[np.object_]) -> None:
        fresh = bad & (self.message == None)  # noqa: E711 (elementwise)
        self.message[fresh] = message if isinstance(message, str) else message[fresh]

    def bad(self) -> npt.NDArray[np.bool_]:
        return self.message != None  # noqa: E711 (elementwise)


def _strings(table: pa.Table, field: str) -> pa.Array:
    header = HEADER_OF[field]
    if header not in table.column_names:
        return pa.array([""] * table.num_rows, pa.string())
    column = table.column(header).combine_chunks()
    return pc.utf8_trim_whitespace(pc.fill_null(column, ""))


def _bools(array: pa.Array) -> npt.NDArray[np.bool_]:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _typed(table: pa.Table, field: str) -> pa.Array | None:
    """The column as pyarrow's reader typed it (a decimal or a date), None for text."""
    header = HEADER_OF[field]
    if header not in table.column_names:
        return None
    column = table.column(header).combine_chunks()
    return None if pa.types.is_string(column.type) else column


def _fen(column: pa.Array) -> Fen:
    """A decimal(·, 2) column's fen: its unscaled integers, the low words of 128 bits (the
    amounts are below 2⁶³ fen)."""
    column = pc.fill_null(column, pa.scalar(0, column.type))
    words = np.frombuffer(column.buffers()[1], dtype=np.int64)
    return words[2 * column.offset : 2 * (column.offset + len(column)) : 2].copy()


def _money(table: pa.Table, field: str, errors: _Errors) -> Fen:
    """Yuan as typed → fen, with core.money.parse_yuan's rules and messages, over a column."""
    typed = _typed(table, field)
    if typed is not None:
        return _fen(typed)
    what, default_zero = HEADER_OF[field], field in OPTIONAL_FIELDS
    text = _strings(table, field)
    text = pc.replace_substring(pc.replace_substring(text, ",", ""), "，", "")
    empty = pc.equal(text, "")
    if default_zero:
        text = pc.if_else(empty, "0", text)
    else:
        errors.add(_bools(empty), f"请填写{what}。")
    parts = pc.extract_regex(text, r"^(?P<sign>[+-]?)(?P<whole>\d*)(?:\.(?P<frac>\d*))?$")
    sign, whole, frac = (pc.struct_field(parts, name) for name in ("sign", "whole", "frac"))
    whole, frac = pc.fill_null(whole, ""), pc.fill_null(frac, "")
    # "", "+" and "." match the pattern but hold no digit.
    matched = _bools(pc.is_valid(parts)) & ~_bools(pc.and_(pc.equal(whole, ""), pc.equal(frac, "")))
    whole = pc.utf8_ltrim(whole, "0")
    errors.add(~matched, f"{what}格式不正确，应为数字，例如 1234.56。")
    cents = pc.utf8_rpad(frac, 2, "0")
    errors.add(
        matched & ~_bools(pc.match_substring_regex(pc.utf8_slice_codeunits(cents, 2), "^0*$")),
        f"{what}最多两位小数。",
    )
    too_big = _bools(pc.greater(pc.utf8_length(whole), MAX_WHOLE_DIGITS))
    good = matched & ~too_big
    whole_digits = pc.if_else(pa.array(good), pc.if_else(pc.equal(whole, ""), "0", whole), "0")
    cents_digits = pc.if_else(pa.array(good), pc.utf8_slice_codeunits(cents, 0, 2), "0")
    fen = (
        pc.cast(whole_digits, pa.int64()).to_numpy() * 100
        + pc.cast(cents_digits, pa.int64()).to_numpy()
    )
    negative = _bools(pc.equal(pc.fill_null(sign, ""), "-"))
    errors.add(matched & negative & (fen != 0), f"{what}不能为负数。")
    errors.add(matched & too_big, f"{what}过大。")
    return np.asarray(fen, dtype=np.int64)


def _dates(table: pa.Table, field: str, errors: _Errors) -> Day:
    typed = _typed(table, field)
    if typed is not None:
        return np.asarray(typed.to_numpy(zero_copy_only=False), dtype="datetime64[D]")
    what, text = HEADER_OF[field], _strings(table, field)
    digits = pc.replace_substring(pc.replace_substring(text, "/", "-"), "-", "")
    shaped = pc.match_substring_regex(text, r"^\d{4}[-/]?\d{2}[-/]?\d{2}$")
    parsed = pc.strptime(
        pc.if_else(shaped, digits, "x"), format="%Y%m%d", unit="s", error_is_null=True
    )
    # strptime rolls 2026-02-30 over into March: the date must read back as written.
    good = _bools(pc.equal(pc.fill_null(pc.strftime(parsed, format="%Y%m%d"), ""), digits))
    errors.add(~good, f"{what}{DATE_EXAMPLE}")
    seconds = pc.fill_null(pc.cast(parsed, pa.int64()), 0).to_numpy()
    return np.asarray(seconds // 86_400, dtype="datetime64[D]")


def _check(table: pa.Table, first_line: int, max_rows: int) -> Extract:
    rows = table.num_rows
    if rows > max_rows:
        raise DomainError(f"一次最多导入 {max_rows} 行，请分批导入。")
    errors = _Errors(rows)
    one_stop = _strings(table, "one_stop")
    errors.add(~_bools(pc.is_in(one_stop, pa.array(YES + NO))), "一站式结算应填“是”或“否”。")
    admitted = _dates(table, "admitted_on", errors)
    discharged = _dates(table, "discharged_on", errors)
    fen = {field: _money(table, field, errors) for field in MONEY}
    hospital = _strings(table, "hospital")
    errors.add(_bools(pc.equal(hospital, "")), "请填写医疗机构。")
    errors.add(admitted > discharged, "入院日期不能晚于出院日期。")
    errors.add(discharged > np.datetime64(timezone.localdate()), "出院日期不能晚于今天。")
    parts = fen["basic"] + fen["critical"] + fen["eligible"] + fen["self_paid"]
    off = parts != fen["total"]
    if off.any():
        messages = np.full(rows, None, dtype=object)
        messages[off] = [
            parts_error(int(p), int(t)) for p, t in zip(parts[off], fen["total"][off], strict=True)
        ]
        errors.add(off, messages)
    line = np.arange(first_line, first_line + rows, dtype=np.int64)
    bad = errors.bad()
    if bad.any():
        raise refusal(
            [f"第{n}行：{m}" for n, m in zip(line[bad], errors.message[bad], strict=True)]
        )
    if not rows:
        raise DomainError("文件中没有票据。")
    return Extract(
        line=line,
        id_number=_strings(table, "id_number"),
        hospital=hospital,
        admitted_on=admitted,
        discharged_on=discharged,
        total_fen=fen["total"],
        basic_fen=fen["basic"],
        critical_fen=fen["critical"],
        eligible_fen=fen["eligible"],
        self_paid_fen=fen["self_paid"],
        one_stop=_bools(pc.is_in(one_stop, pa.array(YES))),
        deducted_fen=fen["deducted"],
    )


OPTIONAL_FIELDS = {COLUMNS[header] for header in OPTIONAL}


def _csv_table(content: bytes) -> pa.Table:
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        try:
            content = content.decode("gb18030").encode()
        except UnicodeDecodeError:
            raise DomainError("无法识别文件编码，请另存为 UTF-8 的 CSV 或 xlsx。") from None
    header = [name.strip() for name in content.split(b"\n", 1)[0].decode().split(",")]
    return _typed_csv(content, header) or _read_csv(content, dict.fromkeys(header, pa.string()))


def _read_csv(content: bytes, types: dict[str, pa.DataType]) -> pa.Table:
    try:
        return pa_csv.read_csv(
            io.BytesIO(content),
            read_options=pa_csv.ReadOptions(block_size=1 << 24),
            convert_options=pa_csv.ConvertOptions(column_types=types, strings_can_be_null=False),
            parse_options=pa_csv.ParseOptions(ignore_empty_lines=True),
        )
    except pa.ArrowInvalid as error:
        raise DomainError(f"文件格式不正确，请核对列数：{_row_of(str(error))}") from None


def _typed_csv(content: bytes, header: list[str]) -> pa.Table | None:
    """The file with amounts and dates typed by pyarrow's own parsers, when every one of them
    is plainly written (no thousands separator, at most two decimals, not negative, below
    the maximum, an ISO date) and every required one is there; None otherwise, and the text
    path then names what is wrong. pyarrow reads exponents the rules refuse: a file with an
    "e" anywhere goes the text path."""
    if b"e" in content or b"E" in content:
        return None
    types: dict[str, pa.DataType] = dict.fromkeys(header, pa.string())
    for name in header:
        field = COLUMNS.get(name, "")
        if field in MONEY:
            types[name] = pa.decimal128(12, 2)
        elif field in ("admitted_on", "discharged_on"):
            types[name] = pa.date32()
    try:
        table = _read_csv(content, types)
    except DomainError:
        return None
    for name, kind in types.items():
        column = table.column(name)
        if pa.types.is_string(kind):
            continue
        if column.null_count and (name not in OPTIONAL or pa.types.is_date(kind)):
            return None
        fen = _fen(column.combine_chunks()) if pa.types.is_decimal(kind) else None
        if fen is not None and ((fen < 0).any() or (fen >= 100 * 10**MAX_WHOLE_DIGITS).any()):
            return None
    return table


def _row_of(arrow_message: str) -> str:
    # pyarrow names the row ("Row #5: Expected 8 columns, got 7"); keep only its number.
    for word in arrow_message.replace(":", " ").split():
        if word.startswith("#") and word[1:].isdigit():
            return f"第{int(word[1:]) + 1}行列数不符。"
    return "有行的列数与表头不符。"


def _xlsx_table(content: bytes) -> pa.Table:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise DomainError("无法读取该 Excel 文件，请确认是 xlsx 格式。") from error
    rows = [
        [_cell(value) for value in row] for row in book.worksheets[0].iter_rows(values_only=True)
    ]
    header = [cell.strip() for cell in rows[0]] if rows else []
    body = [row for row in rows[1:] if any(cell.strip() for cell in row)]
    return pa.table(
        {
            name: [row[i] if i < len(row) else "" for row in body]
            for i, name in enumerate(header)
            if name
        }
    )


def _cell(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def read(name: str, content: bytes, max_rows: int = MAX_ROWS) -> Extract:
    """The extract's rows as checked columns, or a refusal naming every bad line (first ten)."""
    table = _xlsx_table(content) if name.lower().endswith(".xlsx") else _csv_table(content)
    header = [column.strip() for column in table.column_names]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise DomainError(f"文件缺少列：{'、'.join(missing)}。")
    return _check(table.rename_columns(header), 2, max_rows)


def parse(name: str, content: bytes) -> list[BillInput]:
    """The extract's rows as bills, for services.record_bills."""
    extract = read(name, content)
    days = [
        extract.admitted_on.astype(dt.date).tolist(),
        extract.discharged_on.astype(dt.date).tolist(),
    ]
    money = [
        getattr(extract, f"{field}_fen").tolist()
        for field in ("total", "basic", "critical", "eligible", "self_paid", "deducted")
    ]
    return [
        BillInput(
            id_number=id_number,
            hospital=hospital,
            admitted_on=admitted,
            discharged_on=discharged,
            total_fen=total,
            basic_fen=basic,
            critical_fen=critical,
            eligible_fen=eligible,
            self_paid_fen=self_paid,
            one_stop=one_stop,
            deducted_fen=deducted,
        )
        for id_number, hospital, admitted, discharged, one_stop, total, basic, critical, eligible, self_paid, deducted in zip(  # noqa: E501
            extract.id_number.to_pylist(),
            extract.hospital.to_pylist(),
            *days,
            extract.one_stop.tolist(),
            *money,
            strict=True,
        )
    ]
