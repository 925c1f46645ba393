"""Money, the one way: integer fen inside, yuan with two decimals at the edges.

Amounts are kept as integer fen (or exact `Decimal` yuan in model fields), never float.
This module converts between the two, parses what people type (Chinese messages, no
exponents, no infinities) and formats for screens (thousands separators) and for files
(plain digits).
"""

import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import numpy.typing as npt

from jiuzhu.core.errors import DomainError

CENT = Decimal("0.01")
# The largest amount anyone types: ten thousand million yuan (the database's 12 digits).
MAX_YUAN = Decimal("1e10")


def to_fen(yuan: Decimal | int | str) -> int:
    """Yuan → integer fen, rounded half up to the fen."""
    return int((Decimal(str(yuan)) * 100).quantize(Decimal("1"), ROUND_HALF_UP))


def to_yuan(fen: int) -> Decimal:
    """Integer fen → yuan as a two-decimal `Decimal`."""
    return (Decimal(int(fen)) / 100).quantize(CENT)


def share_fen(base_fen: int, share: Decimal) -> int:
    """A share of an amount in fen, rounded half up to the fen."""
    return int((Decimal(base_fen) * share).quantize(Decimal("1"), ROUND_HALF_UP))


def plain_yuan(fen: int) -> str:
    """Fen as yuan for files and JSON: "-1234.56" (no separators, exact)."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def format_yuan(amount: int | Decimal | None, *, fen: bool = True) -> str:
    """An amount for a screen: "1,234.56" (fen by default; `fen=False` for yuan)."""
    if amount is None:
        return ""
    value = Decimal(int(amount)) / 100 if fen else Decimal(amount)
    return f"{value:,.2f}"


def parse_yuan(
    text: str | Decimal | int,
    what: str = "金额",
    field: str = "amount",
    *,
    allow_negative: bool = False,
) -> int:
    """An amount as typed → fen, or a Chinese error naming `what`.

    Thousands separators are allowed; exponents, infinities, more than two decimals, negative
    amounts (unless allowed) and amounts of ten thousand million yuan or more are refused.
    """
    bad = DomainError(f"{what}格式不正确，应为数字，例如 1234.56。", field=field)
    if isinstance(text, Decimal | int):
        value = Decimal(text)
    else:
        raw = text.strip().replace(",", "").replace("，", "")
        if not raw:
            raise DomainError(f"请填写{what}。", field=field)
        # Digits, one point and a sign only: no exponent ("1e9999"), no "Infinity".
        if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", raw):
            raise bad
        value = Decimal(raw)
    if not value.is_finite():
        raise bad
    if value != value.quantize(CENT):
        raise DomainError(f"{what}最多两位小数。", field=field)
    if value < 0 and not allow_negative:
        raise DomainError(f"{what}不能为负数。", field=field)
    if abs(value) >= MAX_YUAN:
        raise DomainError(f"{what}过大。", field=field)
    return int(value * 100)


def parse_decimal_yuan(
    text: str | Decimal | int, what: str = "金额", field: str = "amount"
) -> Decimal:
    """An amount as typed → non-negative yuan `Decimal` (for model fields kept in yuan)."""
    return to_yuan(parse_yuan(text, what, field))


def fen_column(yuan: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """A column of yuan (float, from a generator or a reader) → int64 fen, rounded."""
    return np.round(np.asarray(yuan) * 100).astype(np.int64)


def plain_yuan_column(fen: npt.NDArray[np.integer]) -> list[str]:
    """A column of non-negative fen → yuan strings as `plain_yuan` writes them."""
    return [f"{v // 100}.{v % 100:02d}" for v in fen.tolist()]
