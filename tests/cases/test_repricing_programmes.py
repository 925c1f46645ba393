"""A new standard re-prices every programme whose stored monthly amount is a standard:
single-person dibao units, tekun (basic + care by level), children (dispersed and
institutional), the disability and elderly subsidies. Worked cases: the new figures take
effect in July 2026 and are computed in December, so July to November (5 months) were paid
at the old amount. Shipped figures: rural tekun basic 1,356 (2022), dependent care 982
(2024), children 1,865 dispersed / 2,785 institutional (2024), nursing subsidy 90, elderly
subsidy 100 (2020)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from jiuzhu.cases import services
from jiuzhu.cases.models import Recipient, Repricing, RepricingChange
from jiuzhu.cases.repricing import compute_repricing, confirm_repricing
from jiuzhu.core.errors import DomainError
from jiuzhu.payments import services as payments
from jiuzhu.payments.models import PayrollLine
from jiuzhu.policy.models import Parameter
from jiuzhu.registry.care import services as registry_care
from jiuzhu.registry.models import Relation
from tests import factories
from tests.cases.conftest import assess, set_today
from tests.conftest import client_for
from tests.payments.conftest import give_account, make_recipient

EFFECTIVE = dt.date(2026, 7, 1)
COMPUTED = dt.date(2026, 12, 1)
DEPENDENT = {"bathing", "walking", "dressing", "toileting", "eating"}


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    set_today(monkeypatch, COMPUTED)


def _new(key, value):
    Parameter.objects.create(
        key=key, effective_from=EFFECTIVE, value=value, unit="元/人·月", source="测试文件"
    )


def _person_recipient(admin, household, person, programme, amount):
    """A recipient of one person (tekun, children, subsidies, a single-person dibao unit)."""
    recipient = make_recipient(admin, household, amount=amount, programme=programme)
    Recipient.objects.filter(pk=recipient.pk).update(person=person, members_covered=1)
    recipient.case.beneficiary = person
    recipient.case.save(update_fields=["beneficiary"])
    recipient.refresh_from_db()
    return recipient


def _alone(admin, village, name, born, **extra):
    household = factories.household(
        admin, village, members=[factories.born(Relation.HEAD, name, village, born, **extra)]
    )
    return household, factories.head_of(household)


def _change(recipient):
    change = RepricingChange.objects.get(recipient_id=recipient.pk)
    return (
        change.programme,
        change.kind,
        change.old_fen,
        change.new_fen,
        change.arrears_months,
        change.arrears_fen,
    )


def _tekun(admin, village):
    """A rural person alone, without capacity to work, dependent: 1,356 + 982 = 2,338."""
    household, person = _alone(admin, village, "孤老", dt.date(1940, 1, 1), labour_capacity="none")
    assess(admin, person, DEPENDENT, on=dt.date(2026, 6, 1))
    return household, _person_recipient(admin, household, person, "tekun", "2338.00")


def test_tekun_basic_and_care_standards(county_admin, dong_e_village):
    _household, recipient = _tekun(county_admin, dong_e_village)
    _new("tekun.basic.rural", "1500.00")
    _new("tekun.care.dependent", "1100.00")
    run = compute_repricing(EFFECTIVE, county_admin, computed=COMPUTED)
    # 1,500.00 + 1,100.00 = 2,600.00; 5 × 262.00 arrears.
    assert _change(recipient) == ("tekun", "amount", 233800, 260000, 5, 131000)
    assert RepricingChange.objects.get().town_code == "370124102"
    [town] = run.towns
    assert (town["name"], town["programme"], town["raised"], town["arrears_fen"]) == (
        "东阿镇",
        "tekun",
        1,
        131000,
    )
    assert confirm_repricing(run, county_admin) == 1
    recipient.refresh_from_db()
    assert recipient.monthly_amount == Decimal("2600.00")


def test_children_dispersed_and_institutional(county_admin, dong_e, dong_e_village):
    recipients = []
    for name, place in (("张小宝", "dispersed"), ("李小贝", "institutional")):
        household = factories.household(
            county_admin,
            dong_e_village,
            members=[
                factories.born(Relation.HEAD, "祖母", dong_e_village, dt.date(1958, 3, 1), "F"),
                factories.born(Relation.GRANDCHILD, name, dong_e_village, dt.date(2012, 5, 1)),
            ],
        )
        child = household.memberships.get(relation=Relation.GRANDCHILD).person
        grandmother = factories.head_of(household)
        services.record_child(
            county_admin,
            child,
            "deceased",
            "deceased",
            "死亡证明",
            dt.date(2026, 6, 1),
            grandmother,
            "祖母",
        )
        amount = "1865.00"
        if place == "institutional":
            home = registry_care.add_institution(
                county_admin,
                "平阴县儿童福利院",
                dong_e,
                "12370124MB0000002X",
                "平阴农商银行",
                "6230000012349999",
                "平阴县儿童福利院",
            )
            registry_care.record_arrangement(
                county_admin, child, place, dt.date(2026, 6, 1), COMPUTED, home
            )
            amount = "2785.00"
        recipients.append(_person_recipient(county_admin, household, child, "children", amount))
    _new("children.standard.dispersed", "2000.00")
    _new("children.standard.institutional", "3000.00")
    run = compute_repricing(EFFECTIVE, county_admin, computed=COMPUTED)
    dispersed, institutional = recipients
    assert _change(dispersed) == ("children", "amount", 186500, 200000, 5, 67500)
    assert _change(institutional) == ("children", "amount", 278500, 300000, 5, 107500)
    [town] = run.towns
    assert (town["programme"], town["raised"], town["arrears_fen"]) == ("children", 2, 175000)


def test_single_person_unit_and_subsidies(county_admin, dong_e_village):
    # A registered poor household above the line (pension 3,000.00 > 2 × 1,200.00) with a
    # member disabled at grade 1 admitted alone: (1,200.00 − 0) + 10 % top-up = 1,320.00.
    poor = factories.household_with_incomes(
        county_admin,
        dong_e_village,
        [
            factories.born(Relation.HEAD, "周大哥", dong_e_village, dt.date(1980, 3, 1)),
            factories.born(
                Relation.CHILD,
                "周小妹",
                dong_e_village,
                dt.date(2000, 3, 1),
                "F",
                disability_grade=1,
                disability_category="physical",
            ),
        ],
        (("pension", "3000"),),
        registered_poor=True,
    )
    disabled = poor.memberships.get(relation=Relation.CHILD).person
    unit = _person_recipient(county_admin, poor, disabled, "dibao", "1100.00")
    # The nursing subsidy alone (a pension of 2,000.00: no dibao, so no living subsidy):
    # 90.00 → 120.00.
    household = factories.household_with_incomes(
        county_admin,
        dong_e_village,
        [
            factories.born(
                Relation.HEAD,
                "吴残",
                dong_e_village,
                dt.date(1970, 1, 1),
                disability_grade=1,
                disability_category="physical",
            )
        ],
        (("pension", "2000"),),
    )
    person = factories.head_of(household)
    nursing = _person_recipient(county_admin, household, person, "disability", "90.00")
    # The elderly subsidy of a member aged 80 and over of a dibao household: 100.00 → 120.00.
    household = factories.household_with_incomes(
        county_admin,
        dong_e_village,
        [factories.born(Relation.HEAD, "郑老", dong_e_village, dt.date(1940, 1, 1))],
        (("pension", "200"),),
    )
    make_recipient(county_admin, household, amount="1000.00")
    elderly = _person_recipient(
        county_admin, household, factories.head_of(household), "elderly", "100.00"
    )
    # An elderly subsidy of someone under 80: no longer eligible, listed for a review.
    household, person = _alone(county_admin, dong_e_village, "冯叔", dt.date(1960, 1, 1))
    young = _person_recipient(county_admin, household, person, "elderly", "100.00")
    _new("dibao.standard.rural", "1200.00")
    _new("dibao.standard.urban", "1200.00")
    _new("disability.nursing_subsidy", "120.00")
    _new("elderly.subsidy", "120.00")
    run = compute_repricing(EFFECTIVE, county_admin, computed=COMPUTED)
    assert _change(unit) == ("dibao", "amount", 110000, 132000, 5, 110000)
    assert _change(nursing) == ("disability", "amount", 9000, 12000, 5, 15000)
    assert _change(elderly) == ("elderly", "amount", 10000, 12000, 5, 10000)
    assert _change(young) == ("elderly", "review", 10000, 10000, 0, 0)
    by_programme = {(t["programme"], t["review"]) for t in run.towns}
    assert ("elderly", 1) in by_programme
    confirm_repricing(run, county_admin)
    amounts = {r.pk: r.monthly_amount for r in Recipient.objects.all()}
    assert amounts[unit.pk] == Decimal("1320.00")
    assert amounts[nursing.pk] == Decimal("120.00")
    assert amounts[elderly.pk] == Decimal("120.00")
    assert amounts[young.pk] == Decimal("100.00")  # left for the review


def test_the_payroll_pays_the_new_amount_and_the_arrears(county_admin, dong_e, dong_e_village):
    household, _recipient = _tekun(county_admin, dong_e_village)
    give_account(county_admin, household)
    _new("tekun.basic.rural", "1500.00")
    _new("tekun.care.dependent", "1100.00")
    run = compute_repricing(EFFECTIVE, county_admin, computed=COMPUTED)
    confirm_repricing(run, county_admin)
    payroll = payments.prepare_payroll(county_admin, COMPUTED, dong_e)
    lines = PayrollLine.objects.filter(payroll=payroll).order_by("kind", "for_month")
    assert [(line.kind, line.for_month, line.net_fen) for line in lines] == [
        ("arrears", EFFECTIVE, 131000),
        ("regular", COMPUTED, 260000),
    ]


def test_a_run_stale_after_a_new_care_standard_is_refused(county_admin, dong_e_village):
    _household, recipient = _tekun(county_admin, dong_e_village)
    _new("tekun.basic.rural", "1500.00")
    run = compute_repricing(EFFECTIVE, county_admin, computed=COMPUTED)
    _new("tekun.care.dependent", "1100.00")
    with pytest.raises(DomainError, match="测算后政策参数已有变动，本次结果已过时"):
        confirm_repricing(run, county_admin)
    recipient.refresh_from_db()
    assert recipient.monthly_amount == Decimal("2338.00")
    assert Repricing.objects.get().state == Repricing.State.COMPUTED


def test_the_page_shows_each_programme_by_its_chinese_name(county_admin, dong_e_village):
    _tekun(county_admin, dong_e_village)
    household = factories.household_with_incomes(
        county_admin,
        dong_e_village,
        [factories.born(Relation.HEAD, "郑老", dong_e_village, dt.date(1940, 1, 1))],
        (("pension", "200"),),
    )
    make_recipient(county_admin, household, amount="500.00")
    _new("tekun.basic.rural", "1500.00")
    run = compute_repricing(EFFECTIVE, county_admin, computed=COMPUTED)
    page = client_for(county_admin).get(reverse("cases:repricing_detail", args=[run.pk]))
    text = page.content.decode()
    assert "最低生活保障" in text and "特困人员救助供养" in text and "各项目合计" in text
    assert "720.00" in text  # the tekun arrears: 5 × (1,500.00 − 1,356.00)
    assert "tekun" not in text and "dibao" not in text
