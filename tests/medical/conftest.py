"""A dibao household of 东阿镇 with an account in force, staff of two towns, bills' input."""

import datetime as dt

import pytest

from jiuzhu.medical.services import BillInput
from tests import factories
from tests.payments.conftest import (
    give_account,
    make_household,
    make_recipient,
    pay_staff,  # noqa: F401
)


def bill_input(id_number: str, eligible_yuan: int, day: dt.date = dt.date(2026, 3, 10), **extra):
    """A bill whose parts add up: basic insurance 6,000, critical-illness 1,000, no self-paid."""
    eligible = eligible_yuan * 100
    return BillInput(
        id_number=id_number,
        hospital=extra.pop("hospital", "平阴县人民医院"),
        admitted_on=day - dt.timedelta(days=5),
        discharged_on=day,
        total_fen=extra.pop("total_fen", 700_000 + eligible),
        basic_fen=600_000,
        critical_fen=100_000,
        eligible_fen=eligible,
        **extra,
    )


@pytest.fixture
def dibao_family(pay_staff, dong_e_village):  # noqa: F811
    admin = pay_staff["admin"]
    household = make_household(admin, dong_e_village)
    make_recipient(admin, household, programme="dibao", start=dt.date(2025, 1, 1))
    give_account(admin, household)
    return household


@pytest.fixture
def patient(dibao_family):
    return factories.head_of(dibao_family)
