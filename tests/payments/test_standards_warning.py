"""The payroll says which rule the standards in force break, since when, and what the county
must enter (docs/policy/standards.md#constraints)."""

import datetime as dt

import pytest

from jiuzhu.payments import services
from tests.conftest import client_for
from tests.payments.conftest import give_account, make_household, make_recipient

pytestmark = pytest.mark.django_db


def test_the_payroll_page_says_which_rule_is_broken_and_what_to_enter(pay_staff, dong_e_village):
    household = make_household(pay_staff["admin"], dong_e_village)
    make_recipient(pay_staff["admin"], household, "500.00")
    give_account(pay_staff["assistant"], household, number="6221000011112222")
    payroll = services.prepare_payroll(
        pay_staff["assistant"], dt.date(2026, 12, 1), dong_e_village.parent
    )
    page = client_for(pay_staff["approver"]).get(f"/payments/{payroll.pk}/").content.decode()
    assert "<h2>本月救助标准不合规</h2>" in page
    assert (
        '<li class="error">2024年12月31日起：不符合“低保城乡标准应统一（1:1，2024年12月31日起）”'
        "（城市1,114.00元 : 农村884.00元 = 1.260 : 1）。"
        "县里须录入农村低保标准不低于1,114.00元（或新的城乡标准）。</li>"
    ) in page
