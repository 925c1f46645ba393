"""Money and months: the one home of each conversion, with its refusals in Chinese."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from jiuzhu.core.errors import DomainError
from jiuzhu.core.money import (
    fen_column,
    format_yuan,
    parse_decimal_yuan,
    parse_yuan,
    plain_yuan,
    plain_yuan_column,
    share_fen,
    to_fen,
    to_yuan,
)
from jiuzhu.core.months import (
    add_months,
    days_in_month,
    first_of_next_month,
    month_index,
    months_between,
    parse_month,
    ymd,
)


def test_conversions_are_exact_and_round_half_up() -> None:
    assert to_fen("1234.56") == 123456
    assert to_fen(Decimal("0.005")) == 1  # half a fen rounds up
    assert to_fen(Decimal("-0.005")) == -1
    assert to_yuan(123456) == Decimal("1234.56")
    assert share_fen(104000, Decimal("0.2")) == 20800
    assert share_fen(333, Decimal("0.5")) == 167


def test_formats_for_screens_and_files() -> None:
    assert format_yuan(123456789) == "1,234,567.89"
    assert format_yuan(Decimal("980.5"), fen=False) == "980.50"
    assert format_yuan(None) == ""
    assert plain_yuan(-5) == "-0.05"
    assert plain_yuan(100000) == "1000.00"
    assert plain_yuan_column(np.array([5, 123456])) == ["0.05", "1234.56"]
    assert fen_column([1.005, 2.5]).tolist() == [100, 250]


@pytest.mark.parametrize(
    ("typed", "fen"),
    [("1,234.50", 123450), ("0.5", 50), ("12", 1200), (Decimal("3.1"), 310)],
)
def test_parse_yuan_accepts_what_people_type(typed: str | Decimal, fen: int) -> None:
    assert parse_yuan(typed) == fen


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "请填写退回金额。"),
        ("1e9999", "退回金额格式不正确，应为数字，例如 1234.56。"),
        ("Infinity", "退回金额格式不正确，应为数字，例如 1234.56。"),
        ("NaN", "退回金额格式不正确，应为数字，例如 1234.56。"),
        ("12.345", "退回金额最多两位小数。"),
        ("-1", "退回金额不能为负数。"),
        ("10000000000", "退回金额过大。"),
        ("一百", "退回金额格式不正确，应为数字，例如 1234.56。"),
    ],
)
def test_parse_yuan_refuses_in_chinese(typed: str, message: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_yuan(typed, "退回金额", "repaid")
    assert refused.value.message == message
    assert refused.value.field == "repaid"


def test_parse_decimal_yuan_keeps_model_fields_in_yuan() -> None:
    assert parse_decimal_yuan("800") == Decimal("800.00")
    assert parse_yuan("-3.5", allow_negative=True) == -350


def test_months() -> None:
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 1)
    assert add_months(dt.date(2026, 1, 15), -1) == dt.date(2025, 12, 1)
    assert first_of_next_month(dt.date(2026, 12, 31)) == dt.date(2027, 1, 1)
    assert months_between(dt.date(2025, 11, 20), dt.date(2026, 2, 1)) == 3
    assert days_in_month(dt.date(2028, 2, 10)) == 29
    assert ymd(dt.date(2026, 3, 9)) == 20260309
    assert month_index(np.array([20260101, 20251201])).tolist() == [2026 * 12, 2026 * 12 - 1]


def test_parse_month() -> None:
    assert parse_month("2026-12") == dt.date(2026, 12, 1)
    assert parse_month(" 2026-3-15 ") == dt.date(2026, 3, 1)
    for bad in ("2026-13", "12/2026", "", "2026"):
        with pytest.raises(DomainError) as refused:
            parse_month(bad)
        assert refused.value.message == "月份格式应为 YYYY-MM，例如 2026-12。"
