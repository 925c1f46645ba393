import datetime as dt
from decimal import Decimal

import pytest

from jiuzhu.policy.household import HouseholdIn, IncomeIn, MemberIn

MONTH = dt.date(2020, 12, 1)  # rural standard 494, urban 740 (Jinan 2020 figures in force)


def hh(members=None, incomes=(), assets=(), month=MONTH, area="rural", **extra) -> HouseholdIn:
    return HouseholdIn(
        month=month,
        area_type=area,
        members=list(members or [MemberIn(age=40)]),
        incomes=list(incomes),
        assets=list(assets),
        **extra,
    )


def income(category: str, yuan: str | int, member: int | None = None) -> IncomeIn:
    return IncomeIn(category, int(Decimal(str(yuan)) * 100), member)


@pytest.fixture
def shipped(db):
    """The data migration's parameters are in the test database."""
    return None
