"""Medical assistance as a pure function of columns (one bill or a year's extract).

Per person and calendar year, the deductible is met by the eligible out-of-pocket costs in
bill order, the share applies to what lies above it, and the yearly cap bounds the sum paid:
a bill that crosses the cap pays up to it, later bills of the year pay nothing.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jiuzhu.core.money import format_yuan

Fen = npt.NDArray[np.int64]
BASIS = 10_000  # shares in basis points: integer arithmetic, no float touches money


@dataclass(frozen=True)
class Result:
    counted_fen: Fen  # the part of the bill above the deductible
    raw_fen: Fen  # counted × share, before the cap
    amount_fen: Fen  # what is paid
    eligible_before_fen: Fen  # eligible out-of-pocket of the year before this bill
    paid_before_fen: Fen  # assistance of the year before this bill


def _before(values: Fen, starts: npt.NDArray[np.bool_]) -> Fen:
    """Each row's sum of the earlier rows of its group (rows sorted by group)."""
    running = np.cumsum(values)
    first = np.maximum.accumulate(np.where(starts, np.arange(len(values)), 0))
    return running - values - (running[first] - values[first])


def assistance(
    person: npt.NDArray[np.int64],
    eligible_fen: Fen,
    prior_eligible_fen: Fen,
    prior_paid_fen: Fen,
    deductible_fen: Fen,
    share_bp: Fen,
    cap_fen: Fen,
) -> Result:
    """Bills sorted by person, then date, all of one calendar year; `prior_*` is what the
    person's earlier decided bills of the year counted (the same value on each of their
    rows), the rule columns come from the person's category."""
    starts = np.ones(len(person), dtype=bool)
    starts[1:] = person[1:] != person[:-1]
    eligible_before = prior_eligible_fen + _before(eligible_fen, starts)
    over_before = np.maximum(eligible_before - deductible_fen, 0)
    over_after = np.maximum(eligible_before + eligible_fen - deductible_fen, 0)
    counted = over_after - over_before
    raw = (counted * share_bp + BASIS // 2) // BASIS  # half up to the fen
    paid_before = prior_paid_fen + _before(raw, starts)
    amount = np.minimum(paid_before + raw, cap_fen) - np.minimum(paid_before, cap_fen)
    return Result(counted, raw, amount, eligible_before, paid_before)


def explain_one(
    label: str,
    eligible_fen: int,
    eligible_before_fen: int,
    paid_before_fen: int,
    deductible_fen: int,
    share_bp: int,
    cap_fen: int,
) -> str:
    """One recorded bill's explanation: the formula run again on its row with the year
    before it as recorded, which gives back the numbers it was decided on."""

    def one(value: int) -> Fen:
        return np.array([value], dtype=np.int64)

    result = assistance(
        one(0),
        one(eligible_fen),
        one(eligible_before_fen),
        one(paid_before_fen),
        one(deductible_fen),
        one(share_bp),
        one(cap_fen),
    )
    amount, raw = int(result.amount_fen[0]), int(result.raw_fen[0])
    return (
        f"{label}：起付线 {format_yuan(deductible_fen)} 元，救助比例 {share_bp / 100:g}%，"
        f"年度限额 {format_yuan(cap_fen)} 元。"
        f"本年此前已计政策内自付 {format_yuan(eligible_before_fen)} 元，"
        f"本次超过起付线部分 {format_yuan(int(result.counted_fen[0]))} 元，"
        f"按比例计 {format_yuan(raw)} 元。"
        f"本年此前已救助 {format_yuan(paid_before_fen)} 元，本次救助 {format_yuan(amount)} 元"
        + ("（已达年度限额）" if amount < raw else "")
        + "。"
    )
