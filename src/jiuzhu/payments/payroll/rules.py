"""The parameters one month's lines are computed with."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from jiuzhu.core.errors import DomainError
from jiuzhu.policy.accessors import Payment, PhaseOut, dibao_standard_fen, has_dibao_standards
from jiuzhu.policy.parameters import ParameterSet
from jiuzhu.registry.models import HukouType


@dataclass(frozen=True)
class Rules:
    """The parameters one month's lines are computed with."""

    month: dt.date
    phase_out: PhaseOut
    payment: Payment
    used: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls, month: dt.date) -> "Rules":
        """Everything in force on the 1st of the month; refused if a standard is missing."""
        parameters = ParameterSet.load(month)
        if not has_dibao_standards(parameters):
            raise DomainError(
                f"{month:%Y年%m月}没有生效的低保标准，不能生成发放名册。"
                "请先由县级管理员录入该月适用的标准。",
                field="month",
            )
        for area in HukouType:
            dibao_standard_fen(parameters, area)  # recorded as used, with the payroll
        rules = cls(
            month=month,
            phase_out=PhaseOut.from_set(parameters),
            payment=Payment.from_set(parameters),
        )
        rules.used.update(
            {
                key: {"value": str(used.value), "from": used.effective_from.isoformat()}
                for key, used in parameters.used.items()
            }
        )
        return rules
