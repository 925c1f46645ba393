"""Applying, the applicant confirms or enters the household: members no longer living with
them, members left out, incomes and assets; bad entries are refused in Chinese and nothing
is written."""

import datetime as dt
from decimal import Decimal

import pytest

from jiuzhu.cases.models import Case
from jiuzhu.core.models import AuditEntry
from jiuzhu.registry.models import Asset, Income, Membership, Person
from tests import factories
from tests.factories import head_of
from tests.portal.conftest import signed_in_client
from tests.portal.test_apply import form

pytestmark = pytest.mark.django_db

GRANDSON_ID = factories.id_number(dt.date(2015, 3, 4), "M")


def test_the_page_shows_the_household_and_the_rows_to_fill(
    poor_household, django_capture_on_commit_callbacks
):
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    page = client.get("/portal/apply/").content.decode()
    for expected in ("家庭成员", "已不在一起生活", "补充家庭成员", "填写收入", "填写财产"):
        assert expected in page
    assert 'name="new_id_2"' in page and 'name="asset_value_0"' in page


def test_declared_members_incomes_and_assets_go_into_the_registry(
    poor_household, django_capture_on_commit_callbacks
):
    head = head_of(poor_household)
    spouse = Membership.objects.filter(household=poor_household).exclude(person=head).first()
    client = signed_in_client(head, django_capture_on_commit_callbacks)
    incomes_before = Income.objects.filter(household=poor_household).count()
    response = client.post(
        "/portal/apply/",
        form(
            poor_household,
            gone=[str(spouse.person_id)],
            new_name_0="王小孙",
            new_id_0=GRANDSON_ID,
            new_relation_0="grandchild",
            income_category_0="pension",
            income_amount_0="310.50",
            income_person_0=str(head.pk),
            asset_kind_1="deposit",
            asset_value_1="8000",
            asset_quantity_1="1",
        ),
    )
    assert response.status_code == 302
    grandson = Person.objects.get(name="王小孙")
    assert Membership.objects.get(person=grandson).household == poor_household
    assert grandson.residence_region == poor_household.residence_region
    income = Income.objects.filter(household=poor_household).order_by("-pk").first()
    assert Income.objects.filter(household=poor_household).count() == incomes_before + 1
    assert (income.category, income.monthly_amount, income.person, income.note) == (
        "pension",
        Decimal("310.50"),
        head,
        "申请人手机申报",
    )
    asset = Asset.objects.get(household=poor_household, note="申请人手机申报")
    assert (asset.kind, asset.value, asset.quantity) == ("deposit", Decimal("8000.00"), 1)
    # The spouse is not removed by the applicant's word: the town is told, to check.
    assert Membership.objects.get(pk=spouse.pk).end_date is None
    case = Case.objects.get()
    assert case.reason == (
        "老两口年老体弱，收入很低。\n申请人手机申报：新增成员王小孙；收入1项；财产1项；"
        f"{spouse.person.name}已不在本户共同生活，请入户核实。"
    )
    # Written in the name of the town's 掌上办 account, audited.
    actions = set(AuditEntry.objects.filter(actor=case.created_by).values_list("action", flat=True))
    assert {"add_member", "add_income", "add_asset"} <= actions


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"new_name_0": "王小孙", "new_id_0": "123", "new_relation_0": "grandchild"},
            "第1位新增成员：",
        ),
        ({"new_name_0": "王小孙", "new_id_0": GRANDSON_ID}, "第1位新增成员：请选择与户主的关系。"),
        ({"income_category_0": "wages", "income_amount_0": "-5"}, "第1项收入："),
        ({"income_amount_1": "100"}, "第1项收入：请选择收入类别。"),
        (
            {"asset_kind_0": "vehicle", "asset_value_0": "30000", "asset_quantity_0": "0"},
            "第1项财产：数量应为1-1000。",
        ),
        ({"asset_kind_0": "boat", "asset_value_0": "3"}, "第1项财产：请选择财产类别。"),
    ],
)
def test_bad_entries_are_refused_and_nothing_is_written(
    poor_household, django_capture_on_commit_callbacks, extra, message
):
    client = signed_in_client(head_of(poor_household), django_capture_on_commit_callbacks)
    people, incomes, assets = Person.objects.count(), Income.objects.count(), Asset.objects.count()
    page = client.post("/portal/apply/", form(poor_household, **extra)).content.decode()
    assert message in page
    assert (Person.objects.count(), Income.objects.count(), Asset.objects.count()) == (
        people,
        incomes,
        assets,
    )
    assert not Case.objects.exists()


def test_a_member_registered_elsewhere_or_the_applicant_cannot_be_declared(
    poor_household, meigui_village, django_capture_on_commit_callbacks
):
    head = head_of(poor_household)
    client = signed_in_client(head, django_capture_on_commit_callbacks)
    elsewhere = head_of(factories.household(village_region=meigui_village))
    page = client.post(
        "/portal/apply/",
        form(
            poor_household,
            new_name_0=elsewhere.name,
            new_id_0=elsewhere.id_number,
            new_relation_0="child",
        ),
    ).content.decode()
    assert "已登记在户" in page and "同一人只能有一份档案" in page
    page = client.post("/portal/apply/", form(poor_household, gone=[str(head.pk)])).content.decode()
    assert "申请人本人不能申报为不再共同生活。" in page
    assert not Case.objects.exists()
