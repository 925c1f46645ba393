"""The medical insurance bureau's settlement extract (CSV or XLSX) → bills to record.

The columns are named by their Chinese headers, in any order; a row that cannot be read is
named with its line number and nothing is recorded (services.record_bills checks the rest).
"""

import csv
import datetime as dt
import io
from collections.abc import Iterator

from openpyxl import load_workbook

from jiuzhu.core.errors import DomainError
from jiuzhu.core.money import parse_yuan
from jiuzhu.medical.services import BillInput, refusal

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
REQUIRED = [
    header for header in COLUMNS if header not in ("政策外自费", "一站式结算", "医疗救助支付")
]
YES = {"是", "1", "Y", "y"}
NO = {"否", "0", "N", "n", ""}
MAX_ROWS = 200_000


def _table(name: str, content: bytes) -> Iterator[list[str]]:
    if name.lower().endswith(".xlsx"):
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a damaged file
            raise DomainError("无法读取该 Excel 文件，请确认是 xlsx 格式。") from error
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield [_cell(value) for value in row]
        return
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError:
            raise DomainError("无法识别文件编码，请另存为 UTF-8 的 CSV 或 xlsx。") from None
    yield from csv.reader(io.StringIO(text))


def _cell(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip().replace("/", "-"))
    except ValueError:
        raise DomainError(f"{what}应为日期，例如 2026-03-05。") from None


def _row(values: dict[str, str]) -> BillInput:
    one_stop = values.get("one_stop", "").strip()
    if one_stop not in YES | NO:
        raise DomainError("一站式结算应填“是”或“否”。")
    return BillInput(
        id_number=values["id_number"].strip(),
        hospital=values["hospital"],
        admitted_on=_date(values["admitted_on"], "入院日期"),
        discharged_on=_date(values["discharged_on"], "出院日期"),
        total_fen=parse_yuan(values["total"], "医疗总费用"),
        basic_fen=parse_yuan(values["basic"], "基本医保支付"),
        critical_fen=parse_yuan(values["critical"], "大病保险支付"),
        eligible_fen=parse_yuan(values["eligible"], "政策范围内自付"),
        self_paid_fen=parse_yuan(values.get("self_paid") or "0", "政策外自费"),
        one_stop=one_stop in YES,
        deducted_fen=parse_yuan(values.get("deducted") or "0", "医疗救助支付"),
    )


def parse(name: str, content: bytes) -> list[BillInput]:
    """The extract's rows as bills, or a refusal naming every bad line (first ten)."""
    rows = _table(name, content)
    header = [cell.strip() for cell in next(rows, [])]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise DomainError(f"文件缺少列：{'、'.join(missing)}。")
    fields = [COLUMNS.get(column, "") for column in header]
    bills: list[BillInput] = []
    errors: list[str] = []
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(bills) + len(errors) >= MAX_ROWS:
            raise DomainError(f"一次最多导入 {MAX_ROWS} 行，请分批导入。")
        values = {field: cell for field, cell in zip(fields, row, strict=False) if field}
        try:
            bills.append(_row(values))
        except DomainError as error:
            errors.append(f"第{line}行：{error.message}")
        except KeyError:
            errors.append(f"第{line}行：列数不足。")
    if errors:
        raise refusal(errors)
    if not bills:
        raise DomainError("文件中没有票据。")
    return bills
