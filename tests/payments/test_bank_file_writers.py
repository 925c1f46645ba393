"""The chunked bank file writers (CSV joined a chunk at a time, XLSX streamed as
SpreadsheetML) write the same content as the row-by-row writers they replaced (csv module
per row, openpyxl's write-only workbook) on the same lines: kept here as the reference."""

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from jiuzhu.payments import files
from jiuzhu.payments.models import PayrollLine, line_ref, plain_yuan
from jiuzhu.payments.sheet import text_column
from tests.payments.test_files_and_recovery import three_paid  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _reference_rows(payroll):
    lines = (
        PayrollLine.objects.of_payroll(payroll.pk)
        .filter(bank="农商银行", account_id__isnull=False)
        .order_by("id")
    )
    rows = [
        [
            line_ref(payroll.pk, line.line_no),
            line.account_number,
            line.holder_name,
            line.id_number,
            plain_yuan(line.net_fen),
            line.programme,
            f"{line.for_month:%Y-%m}",
        ]
        for line in lines
    ]
    total = sum(line.net_fen for line in lines)
    return [files.HEADER, *rows, ["合计", f"{len(rows)}笔", "", "", plain_yuan(total), "", ""]]


def _reference_csv(path: Path, rows) -> bytes:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path.read_bytes()


def _reference_xlsx(path: Path, rows) -> list[tuple]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("发放明细")
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return _cells(path)


def _cells(path) -> list[tuple]:
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["发放明细"]
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_same_files_as_the_row_by_row_writers(pay_staff, three_paid, tmp_path, monkeypatch):  # noqa: F811
    _, payroll = three_paid
    monkeypatch.setattr(files, "CHUNK_LINES", 2)  # three lines: two chunks
    expected = _reference_rows(payroll)
    assert len(expected) == 5 and expected[-1][4] == "600.50"
    made = files.make_payment_file(pay_staff["assistant"], payroll, "农商银行", "csv")
    assert Path(made.stored_path).read_bytes() == _reference_csv(tmp_path / "r.csv", expected)
    assert (made.rows, made.total_fen) == (3, 60050)
    sheet = files.make_payment_file(pay_staff["assistant"], payroll, "农商银行", "xlsx")
    assert _cells(sheet.stored_path) == _reference_xlsx(tmp_path / "r.xlsx", expected)
    assert (sheet.rows, sheet.total_fen) == (3, 60050)


@pytest.mark.parametrize("holder", ["王五", '王,"五"', "A&B <c>", "第一行\n第二行", " 前后空格 "])
def test_values_that_need_quoting_or_escaping(tmp_path, holder):
    lines = [
        (1, "6221000000000001", holder, "370124195001010011", -5, "dibao", "2026-12-01"),
        (2, "6221000000000002", "李四", "370124195001010022", 12345, "tekun", "2026-11-01"),
    ]
    chunks = [files.bank_columns(lines[:1]), files.bank_columns(lines[1:])]
    expected = [
        files.HEADER,
        [line_ref(7, 1), lines[0][1], holder, lines[0][3], "-0.05", "dibao", "2026-12"],
        [line_ref(7, 2), lines[1][1], "李四", lines[1][3], "123.45", "tekun", "2026-11"],
        ["合计", "2笔", "", "", "123.40", "", ""],
    ]
    assert files.write_csv(tmp_path / "a.csv", 7, chunks) == (2, 12340)
    assert (tmp_path / "a.csv").read_bytes() == _reference_csv(tmp_path / "r.csv", expected)
    assert files.write_xlsx(tmp_path / "a.xlsx", 7, chunks) == (2, 12340)
    assert _cells(tmp_path / "a.xlsx") == _reference_xlsx(tmp_path / "r.xlsx", expected)


def test_a_control_character_is_refused_as_openpyxl_refused_it():
    with pytest.raises(ValueError, match="单元格内容含有控制字符。"):
        text_column(["甲", "乙\x07"])
    assert text_column(["a&b", "<"]) == ["a&amp;b", "&lt;"]
