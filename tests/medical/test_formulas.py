"""Worked cases of the medical assistance formula (docs/policy/other-programmes.md): tekun,
dibao and returned-to-poverty: no deductible, 75 %, 30,000 a year; edge and monitored: 3,000
deductible, 50 %, 20,000 a year."""

import numpy as np

from jiuzhu.medical.formulas import assistance, explain_one

ASSISTED = (0, 7_500, 3_000_000)
EDGE = (300_000, 5_000, 2_000_000)


def run(eligible_yuan, rule, person=None, prior=(0, 0)):
    n = len(eligible_yuan)
    deductible, share, cap = rule
    return assistance(
        np.array(person or [1] * n, dtype=np.int64),
        np.array([y * 100 for y in eligible_yuan], dtype=np.int64),
        np.full(n, prior[0], dtype=np.int64),
        np.full(n, prior[1], dtype=np.int64),
        np.full(n, deductible, dtype=np.int64),
        np.full(n, share, dtype=np.int64),
        np.full(n, cap, dtype=np.int64),
    )


def test_dibao_bills_reach_the_cap_within_the_year():
    # 10,000 → 7,500; 20,000 → 15,000 (22,500 so far); 12,000 would be 9,000 but only 7,500
    # of the 30,000 is left; a fourth bill pays nothing.
    result = run([10_000, 20_000, 12_000, 1_000], ASSISTED)
    assert result.amount_fen.tolist() == [750_000, 1_500_000, 750_000, 0]
    assert result.raw_fen.tolist() == [750_000, 1_500_000, 900_000, 75_000]
    assert result.paid_before_fen.tolist() == [0, 750_000, 2_250_000, 3_150_000]
    before = (int(result.eligible_before_fen[2]), int(result.paid_before_fen[2]))
    assert explain_one("低保对象", 1_200_000, *before, *ASSISTED) == (
        "低保对象：起付线 0.00 元，救助比例 75%，年度限额 30,000.00 元。"
        "本年此前已计政策内自付 30,000.00 元，本次超过起付线部分 12,000.00 元，"
        "按比例计 9,000.00 元。本年此前已救助 22,500.00 元，本次救助 7,500.00 元"
        "（已达年度限额）。"
    )


def test_exactly_at_the_cap_pays_all_of_it_and_nothing_after():
    result = run([40_000, 1], ASSISTED)
    assert result.amount_fen.tolist() == [3_000_000, 0]
    assert run([1], ASSISTED, prior=(4_000_000, 3_000_000)).amount_fen.tolist() == [0]


def test_edge_deductible_is_met_across_bills():
    # 2,000 stays under the 3,000 deductible; of the next 5,000, 4,000 counts → 2,000.
    result = run([2_000, 5_000, 50_000], EDGE)
    assert result.counted_fen.tolist() == [0, 400_000, 5_000_000]
    assert result.amount_fen.tolist() == [0, 200_000, 1_800_000]  # 20,000 cap reached


def test_each_person_has_their_own_year():
    result = run([10_000, 50_000, 10_000], ASSISTED, person=[1, 2, 3])
    assert result.amount_fen.tolist() == [750_000, 3_000_000, 750_000]


def test_shares_round_half_up_to_the_fen():
    result = assistance(
        *(
            np.array(v, dtype=np.int64)
            for v in (
                [1, 2, 3],
                [1, 3, 2],
                [0, 0, 0],
                [0, 0, 0],
                [0, 0, 0],
                [7_500] * 3,
                [3_000_000] * 3,
            )
        )
    )
    # 0.75 → 1, 2.25 → 2, 1.5 → 2 fen
    assert result.amount_fen.tolist() == [1, 2, 2]


def test_the_cap_is_reached_to_the_fen():
    # 29,999.99 granted before: a bill of 1.00 (0.75 at 75 %) pays the last 0.01, marked
    # capped, and the next bill of the year pays nothing; 29,999.25 before, it is paid whole.
    near = run([1, 1], ASSISTED, prior=(3_999_999, 2_999_999))
    assert near.amount_fen.tolist() == [1, 0]
    assert near.paid_before_fen.tolist() == [2_999_999, 3_000_074]
    assert run([1], ASSISTED, prior=(0, 2_999_925)).amount_fen.tolist() == [75]
    text = [
        explain_one("低保对象", 100, int(e), int(p), *ASSISTED)
        for e, p in zip(near.eligible_before_fen, near.paid_before_fen, strict=True)
    ]
    assert text[0].endswith("本年此前已救助 29,999.99 元，本次救助 0.01 元（已达年度限额）。")
    assert text[1].endswith("本年此前已救助 30,000.74 元，本次救助 0.00 元（已达年度限额）。")
