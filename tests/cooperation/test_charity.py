"""Charity projects: referral, gifts within the project's funds, the charity case that ends in
a referral, the household file."""

import datetime as dt

import pytest

from jiuzhu.cases import services as case_services
from jiuzhu.cases.models import Status
from jiuzhu.cooperation import services
from jiuzhu.cooperation.models import CharityGift, CharityProject, CharityReferral
from jiuzhu.core.errors import DomainError
from jiuzhu.core.roles import Role
from jiuzhu.registry.models import Relation
from tests import factories
from tests.cases.conftest import investigate, submit
from tests.conftest import client_for


@pytest.fixture
def setting(dong_e, meigui, dong_e_village):
    admin = factories.user(Role.COUNTY_ADMIN, factories.county())
    assistant = factories.user(Role.TOWN_ASSISTANT, dong_e, username="a1")
    household = factories.household_with_incomes(
        admin,
        dong_e_village,
        [factories.born(Relation.HEAD, "慈老汉", dong_e_village, dt.date(1950, 3, 1))],
    )
    project = services.register_project(
        assistant, "县慈善总会", "大病救助", "1000", "重病且政府救助后仍有困难", "张三 0531-1"
    )
    return {
        "admin": admin,
        "assistant": assistant,
        "approver": factories.user(Role.TOWN_APPROVER, dong_e, username="a2"),
        "other_town": factories.user(Role.TOWN_ASSISTANT, meigui, username="a3"),
        "coordinator": factories.user(Role.VILLAGE_COORDINATOR, dong_e_village, username="a4"),
        "household": household,
        "project": project,
    }


def test_gift_lowers_the_funds_and_overspend_is_refused(setting):
    assistant, project = setting["assistant"], setting["project"]
    referral = services.refer(assistant, project, setting["household"], "住院费用负担重")
    services.record_gift(assistant, referral, "money", "600", dt.date(2026, 11, 2), "住院费")
    project.refresh_from_db()
    assert project.funds_fen == 40_000
    with pytest.raises(DomainError) as refused:
        services.record_gift(assistant, referral, "in_kind", "400.01", dt.date(2026, 11, 3))
    assert refused.value.message == "超出项目可用资金（尚余 400.00 元）。"
    project.refresh_from_db()
    assert project.funds_fen == 40_000
    assert CharityGift.objects.count() == 1
    services.record_gift(assistant, referral, "in_kind", "400", dt.date(2026, 11, 3), "米面油")
    project.refresh_from_db()
    assert project.funds_fen == 0


@pytest.mark.parametrize(
    ("kind", "amount", "day", "message"),
    [
        ("money", "-5", dt.date(2026, 11, 2), "给付金额不能为负数。"),
        ("money", "0", dt.date(2026, 11, 2), "给付金额应大于0。"),
        ("money", "abc", dt.date(2026, 11, 2), "给付金额格式不正确，应为数字，例如 1234.56。"),
        ("cash", "5", dt.date(2026, 11, 2), "请选择给付形式。"),
        ("money", "5", None, "请填写给付日期。"),
        ("money", "5", dt.date(2099, 1, 1), "给付日期不能晚于今天。"),
    ],
)
def test_bad_gifts_are_refused(setting, kind, amount, day, message):
    referral = services.refer(
        setting["assistant"], setting["project"], setting["household"], "困难"
    )
    with pytest.raises(DomainError) as refused:
        services.record_gift(setting["assistant"], referral, kind, amount, day)
    assert refused.value.message == message
    assert CharityGift.objects.count() == 0


def test_bad_projects_and_referrals_are_refused(setting):
    with pytest.raises(DomainError) as refused:
        services.register_project(setting["assistant"], "县慈善总会", "", "10", "条件", "张三")
    assert refused.value.message == "请填写项目名称。"
    with pytest.raises(DomainError) as refused:
        services.refer(setting["assistant"], setting["project"], setting["household"], "  ")
    assert refused.value.message == "请填写转介理由。"
    assert CharityProject.objects.count() == 1
    assert CharityReferral.objects.count() == 0


def test_who_may_not_refer_or_record(setting):
    for who in ("coordinator", "other_town"):
        with pytest.raises(PermissionError):
            services.refer(setting[who], setting["project"], setting["household"], "困难")
    referral = services.refer(setting["assistant"], setting["project"], setting["household"], "难")
    with pytest.raises(PermissionError):
        services.record_gift(setting["other_town"], referral, "money", "5", dt.date(2026, 11, 2))
    assert client_for(setting["coordinator"]).get("/cooperation/").status_code == 404
    url = f"/cooperation/referrals/{referral.pk}/"
    assert client_for(setting["other_town"]).get(url).status_code == 404


def test_a_charity_case_ends_in_a_referral(setting):
    case = submit(setting["assistant"], setting["household"], programme="charity")
    investigate(case, setting["assistant"])
    case.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        case_services.approve(setting["approver"], case, case.version)
    assert refused.value.message == (
        "慈善救助由慈善组织按项目决定，请在“慈善救助”中将本申请转介慈善项目。"
    )
    services.refer(setting["approver"], setting["project"], setting["household"], "转介", case)
    case.refresh_from_db()
    assert case.status == Status.ENDED
    assert case.decision_note == "转介慈善项目：县慈善总会·大病救助"


def test_the_household_file_shows_referral_and_gift(setting):
    referral = services.refer(setting["assistant"], setting["project"], setting["household"], "难")
    services.record_gift(
        setting["assistant"], referral, "money", "123.45", dt.date(2026, 11, 2), "医药费"
    )
    page = client_for(setting["assistant"]).get(f"/households/{setting['household'].pk}/")
    text = page.content.decode()
    assert "转介县慈善总会·大病救助" in text
    assert "2026-11-02 给付资金 123.45 元 医药费" in text


def test_pages_refer_and_record(setting):
    client = client_for(setting["assistant"])
    page = client.post(
        "/cooperation/refer/",
        {
            "household": setting["household"].number,
            "project": setting["project"].pk,
            "reason": "住院",
        },
        follow=True,
    )
    assert "已转介县慈善总会·大病救助。" in page.content.decode()
    referral = CharityReferral.objects.get()
    page = client.post(
        f"/cooperation/referrals/{referral.pk}/",
        {"kind": "money", "amount": "2000", "given_on": "2026-11-02"},
    )
    assert "超出项目可用资金（尚余 1,000.00 元）。" in page.content.decode()
    assert CharityGift.objects.count() == 0
