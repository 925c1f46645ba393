"""The supervision parameters in force on a day (policy/data/09-oversight.toml)."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Self

from jiuzhu.policy.parameters import ParameterSet


@dataclass(frozen=True)
class Supervision:
    complaint_working_days: int
    public_complaints_per_hour: int
    shared_account_households: int
    approval_share: Decimal
    approval_min_decisions: int
    review_overdue_days: int
    fine_multiple: Decimal
    objection_working_days: int
    blacklist_months: int

    @classmethod
    def on(cls, day: dt.date) -> Self:
        parameters = ParameterSet.load(day)
        return cls(
            complaint_working_days=int(parameters["oversight.complaint_working_days"]),
            public_complaints_per_hour=int(parameters["oversight.public_complaints_per_hour"]),
            shared_account_households=int(parameters["risk.shared_account_households"]),
            approval_share=Decimal(parameters["risk.approval_share"]),
            approval_min_decisions=int(parameters["risk.approval_min_decisions"]),
            review_overdue_days=int(parameters["risk.review_overdue_days"]),
            fine_multiple=Decimal(parameters["integrity.fine_multiple"]),
            objection_working_days=int(parameters["integrity.objection_working_days"]),
            blacklist_months=int(parameters["integrity.blacklist_months"]),
        )
