"""Excel files of the overview's tables and the monthly statistical report.

Numbers are numbers (counts as integers, money in yuan with two decimals and a thousands
format), each table ends with a totals row, so a county officer can sum and chart them.
"""

import datetime as dt
import io
from collections.abc import Sequence

from django.db.models import Sum
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.core.programmes import Programme
from jiuzhu.dashboard.models import MonthlyFigure
from jiuzhu.dashboard.selectors import Row

MONEY_FORMAT = "#,##0.00"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _yuan(fen: int) -> float:
    return round(fen / 100, 2)


def _row_cells(sheet: Worksheet, values: Sequence[object], bold: bool = False) -> list[object]:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, float):
            cell.number_format = MONEY_FORMAT
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def table_workbook(title: str, first_column: str, rows: list[Row]) -> bytes:
    """One overview table: a row per programme, region or month, and the totals."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(_row_cells(sheet, [title], bold=True))
    header = [first_column, "救助对象（个）", "户数", "人数", "发放金额（元）"]
    sheet.append(_row_cells(sheet, header, bold=True))
    for row in rows:
        sheet.append(
            _row_cells(
                sheet,
                [row.label, row.recipients, row.households, row.persons, _yuan(row.amount_fen)],
            )
        )
    totals = [
        "合计",
        sum(r.recipients for r in rows),
        sum(r.households for r in rows),
        sum(r.persons for r in rows),
        _yuan(sum(r.amount_fen for r in rows)),
    ]
    sheet.append(_row_cells(sheet, totals, bold=True))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def statistical_report(region: Region, month: dt.date) -> bytes:
    """The monthly report filed upward: households, persons and amounts of each programme,
    urban and rural (城市 / 农村) apart, for the region and month."""
    urban = set(
        Region.objects.filter(
            level=RegionLevel.VILLAGE, code__startswith=region.prefix, is_urban=True
        ).values_list("code", flat=True)
    )
    sums: dict[tuple[str, bool], list[int]] = {}
    rows = (
        MonthlyFigure.objects.filter(month=month, region_code__startswith=region.prefix)
        .values_list("programme", "region_code")
        .annotate(h=Sum("households"), p=Sum("persons"), fen=Sum("amount_fen"))
    )
    for programme, code, households, persons, fen in rows:
        part = sums.setdefault((programme, code in urban), [0, 0, 0])
        part[0] += int(households or 0)
        part[1] += int(persons or 0)
        part[2] += int(fen or 0)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{month.year}年{month.month}月")
    sheet.append(
        _row_cells(
            sheet, [f"{region.full_name}社会救助统计月报（{month.year}年{month.month}月）"], True
        )
    )
    sheet.append(
        _row_cells(
            sheet,
            [
                "救助项目",
                "城市户数",
                "城市人数",
                "城市金额（元）",
                "农村户数",
                "农村人数",
                "农村金额（元）",
                "合计户数",
                "合计人数",
                "合计金额（元）",
            ],
            bold=True,
        )
    )
    grand = [0] * 9
    for programme in Programme:
        city = sums.get((programme.value, True), [0, 0, 0])
        rural = sums.get((programme.value, False), [0, 0, 0])
        both = [a + b for a, b in zip(city, rural, strict=True)]
        numbers = [*city, *rural, *both]
        grand = [a + b for a, b in zip(grand, numbers, strict=True)]
        sheet.append(_row_cells(sheet, [programme.label, *_typed(numbers)]))
    sheet.append(_row_cells(sheet, ["合计", *_typed(grand)], bold=True))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _typed(numbers: list[int]) -> list[object]:
    """Households and persons as integers, every third number (fen) as yuan."""
    return [_yuan(n) if i % 3 == 2 else n for i, n in enumerate(numbers)]
