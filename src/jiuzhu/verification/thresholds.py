"""The limits a verification compares with: read from the policy engine's dated parameters."""

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from jiuzhu.core.errors import DomainError

AREA_TYPES = ("urban", "rural")


@dataclass(frozen=True)
class Thresholds:
    area_type: str
    standard_fen: int  # dibao standard, per person and month
    financial_months: int  # deposits etc. per person ≤ this many months of the standard
    vehicles_allowed: int
    houses_allowed: int
    business_capital_limit_fen: int

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


def thresholds_for(on: dt.date, area_type: str) -> Thresholds:
    """The thresholds in force on `on` for urban or rural households.

    A missing parameter is a DomainError in Chinese naming it; no number lives here.
    """
    if area_type not in AREA_TYPES:
        raise DomainError(f"城乡类别无效：{area_type}。")
    try:
        from jiuzhu.policy.parameters import ParameterSet
    except ImportError:
        raise DomainError("政策参数模块尚未启用，无法取得核对标准。") from None
    params = ParameterSet.load(on)
    return Thresholds(
        area_type=area_type,
        standard_fen=params.fen(f"dibao.standard.{area_type}"),
        financial_months=int(params["asset.financial_months"]),
        vehicles_allowed=int(params["asset.vehicles_allowed"]),
        houses_allowed=int(params["asset.houses_allowed"]),
        business_capital_limit_fen=params.fen("asset.business_capital_limit"),
    )


def all_thresholds(on: dt.date) -> list[Thresholds]:
    return [thresholds_for(on, area) for area in AREA_TYPES]
