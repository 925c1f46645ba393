"""The extract read as columns gives what the per-cell rules give (core.money.parse_yuan,
ISO dates): the same values for good cells, the same Chinese message for bad ones, with
amounts and dates typed by pyarrow's reader or read as text."""

import datetime as dt

import numpy as np
import pytest

from jiuzhu.core.errors import DomainError
from jiuzhu.core.money import parse_yuan
from jiuzhu.medical import importer

HEADER = "身份证号,医疗机构,入院日期,出院日期,医疗总费用,基本医保支付,大病保险支付,政策范围内自付\n"
CELLS = [
    "10000", "10000.5", "10000.50", "10000.500", "+10000", "0010000", "10000.", ".5",
    "1.234", "1.001", "-1", "-0", "abc", "1e3", "1E3", "12,345.6", "1，000", "9999999999.99",
    "10000000000", "", " 7 ", ".", "+", "1..2", "Infinity", "0x10",
]  # fmt: skip


def per_cell(text):
    try:
        return parse_yuan(text, "医疗总费用")
    except DomainError as error:
        return error.message


def columns(text):
    """The total read from a bill of eligible costs only (the same cell in both columns:
    the total is checked first)."""
    content = (HEADER + f'1,县医院,2026-03-01,2026-03-10,"{text}",0,0,"{text}"\n').encode()
    try:
        return int(importer.read("x.csv", content).total_fen[0])
    except DomainError as error:
        return error.message.removeprefix("第2行：").removesuffix("未导入任何票据。")


@pytest.mark.parametrize("text", CELLS)
def test_amounts_over_columns_follow_parse_yuan(text):
    assert columns(text) == per_cell(text)


def test_typed_and_text_reading_agree():
    rng = np.random.default_rng(14)
    rows = []
    for i in range(500):
        eligible = int(rng.integers(0, 10**8))
        day = dt.date(2026, 1, 1) + dt.timedelta(days=int(rng.integers(0, 300)))
        rows.append(
            f"{i:018d},县医院,{day},{day},{(700_000 + eligible) / 100:.2f},6000,1000,"
            f"{eligible / 100:.2f}\n"
        )
    typed = importer.read("x.csv", (HEADER + "".join(rows)).encode())
    text = importer.read("x.csv", (HEADER + "".join(rows)).replace("县医院", "e").encode())
    for name in ("line", "admitted_on", "discharged_on", "total_fen", "eligible_fen", "one_stop"):
        assert (getattr(typed, name) == getattr(text, name)).all()
    assert typed.id_number.equals(text.id_number)
    assert typed.eligible_fen[:3].tolist() == [
        round(float(r.split(",")[-1]) * 100) for r in rows[:3]
    ]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("3月10日", "第2行：出院日期应为日期，例如 2026-03-05。"),
        ("2026/03/10", None),
        ("20260310", None),
        ("2026-02-30", "第2行：出院日期应为日期，例如 2026-03-05。"),
        ("2099-01-01", "第2行：出院日期不能晚于今天。"),
        ("2026-02-01", "第2行：入院日期不能晚于出院日期。"),
    ],
)
def test_dates_over_columns(cell, message):
    content = (HEADER + f"1,县医院,2026-03-01,{cell},17000,6000,1000,10000\n").encode()
    if message is None:
        assert importer.read("x.csv", content).discharged_on[0] == np.datetime64("2026-03-10")
    else:
        with pytest.raises(DomainError, match=f"^{message}未导入任何票据。$"):
            importer.read("x.csv", content)


def test_a_bill_whose_parts_do_not_add_up_names_its_line_and_all_are_counted():
    good = "1,县医院,2026-03-01,2026-03-10,17000,6000,1000,10000\n"
    bad = "1,县医院,2026-03-01,2026-03-10,17000,6000,1000,9999.99\n"
    content = (HEADER + good + bad * 11).encode()
    with pytest.raises(DomainError) as refused:
        importer.read("x.csv", content)
    assert refused.value.message.startswith(
        "第3行：各项费用之和 16,999.99 元与总费用 17,000.00 元不符"
        "（总费用 = 基本医保 + 大病保险 + 政策内自付 + 政策外自费）。第4行："
    )
    assert refused.value.message.endswith(
        "第12行：各项费用之和 16,999.99 元与总费用 17,000.00 元不符"
        "（总费用 = 基本医保 + 大病保险 + 政策内自付 + 政策外自费）。（共11处错误）未导入任何票据。"
    )


def test_too_many_rows_are_refused_whole(monkeypatch):
    row = "1,县医院,2026-03-01,2026-03-10,17000,6000,1000,10000\n"
    content = (HEADER + row * 3).encode()
    with pytest.raises(DomainError, match=r"^一次最多导入 2 行，请分批导入。$"):
        importer.read("x.csv", content, max_rows=2)
    assert len(importer.read("x.csv", content)) == 3
