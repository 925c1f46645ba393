"""PIPL purge of the registry: a household whose every application ended past retention and
that receives nothing is anonymised with the members nothing else keeps; payment history,
numbers and the figures statistics use stay."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiuzhu.cases import services as case_services
from jiuzhu.cases.models import AdvancePayment, Case, CaseEvent, Recipient, RecipientStatus
from jiuzhu.cases.retention import purge_registry, retention_cutoff
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditEntry
from jiuzhu.core.roles import Role
from jiuzhu.registry import anonymise, services
from jiuzhu.registry.models import Asset, Household, Income, Membership, Person, Relation
from tests import factories
from tests.cases.conftest import submit

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(days=6 * 366)
ADDRESS = "东阿镇东阿村二组 18 号"


def _household(admin, village, name: str, birth_year: int, address: str = ADDRESS):
    """A household of two (head and spouse, phones) with an income and an asset."""
    household = factories.household(
        admin,
        village,
        members=[
            factories.born(
                Relation.HEAD, name, village, dt.date(birth_year, 3, 1), phone="13900000001"
            ),
            factories.born(
                Relation.SPOUSE,
                f"{name}妻",
                village,
                dt.date(birth_year, 7, 9),
                "F",
                phone="13900000002",
            ),
        ],
        address=address,
    )
    services.add_income(admin, household, "pension", "200")
    services.add_asset(admin, household, "vehicle", "30000")
    return household


def _closed_case(assistant, household, age: dt.datetime = LONG_AGO) -> Case:
    case = submit(assistant, household)
    case_services.withdraw(assistant, case, case.version, "已自行解决")
    CaseEvent.objects.filter(case=case).update(at=age)
    return case


@pytest.fixture
def world(county_admin, dong_e, meigui, dong_e_village):
    staff = factories.staff_of(dong_e, meigui, dong_e_village, "pg_")
    return {"admin": county_admin, "assistant": staff["assistant"], "village": dong_e_village}


def test_a_closed_household_past_retention_is_anonymised(world):
    household = _household(world["admin"], world["village"], "王老汉", 1950)
    case = _closed_case(world["assistant"], household)
    advance = AdvancePayment.objects.create(
        case=case,
        amount=Decimal("800.00"),
        method="现金",
        paid_at=LONG_AGO,
        recorded_by=world["assistant"],
    )
    members = list(Person.objects.filter(memberships__household=household).order_by("pk"))

    report = purge_registry(world["admin"], retention_cutoff(), dry_run=False)

    assert (report.households, report.persons, report.incomes, report.assets) == (1, 2, 1, 1)
    household.refresh_from_db()
    assert household.address == "（已超过保存期限，已匿名化）"
    assert household.number != "" and household.registered_code == "370124102201"
    assert not Income.objects.filter(household=household).exists()
    assert not Asset.objects.filter(household=household).exists()
    people = list(Person.objects.filter(pk__in=[m.pk for m in members]).order_by("pk"))
    assert [(p.name, p.id_number, p.id_suffix, p.phone, p.name_initials) for p in people] == [
        ("（已匿名化）", f"ANON{p.pk:014d}", "", "", "") for p in members
    ]
    # What statistics use stays: sex, birth date, regions; memberships and the case too.
    assert [(p.sex, p.birth_date) for p in people] == [
        ("M", dt.date(1950, 3, 1)),
        ("F", dt.date(1950, 7, 9)),
    ]
    assert Membership.objects.filter(household=household).count() == 2
    assert Case.objects.get(pk=case.pk).number == case.number
    assert AdvancePayment.objects.get(pk=advance.pk).amount == Decimal("800.00")
    entry = AuditEntry.objects.get(action="anonymise_household")
    assert (entry.object_id, entry.changes) == (household.pk, {"人员": 2, "收入": 1, "财产": 1})
    # A second run finds nothing left to do.
    again = purge_registry(world["admin"], retention_cutoff(), dry_run=False)
    assert (again.households, again.persons) == (0, 0)


def test_the_dry_run_of_purge_cases_reports_both_and_writes_nothing(world, capsys):
    household = _household(world["admin"], world["village"], "王老汉", 1950)
    _closed_case(world["assistant"], household)
    kept = _household(world["admin"], world["village"], "李大爷", 1948, "李家")
    _closed_case(world["assistant"], kept, timezone.now() - dt.timedelta(days=300))

    call_command("purge_cases", "--user", world["admin"].username)

    cutoff = retention_cutoff()
    assert capsys.readouterr().out.splitlines() == [
        f"将匿名化 {cutoff:%Y-%m-%d} 之前办结的申请 1 件，删除材料 1 份（0.0 MB）。",
        "将匿名化申请均已办结且不在保的家庭 1 户、人员 2 人，删除收入 1 条、财产 1 条。",
        "这是预演：没有修改任何数据。确认后加 --apply 执行。",
    ]
    assert Household.objects.get(pk=household.pk).address == ADDRESS
    assert Person.objects.filter(name="（已匿名化）").count() == 0
    assert Income.objects.count() == 2


def test_apply_anonymises_through_the_command(world, capsys):
    _closed_case(world["assistant"], _household(world["admin"], world["village"], "王老汉", 1950))

    call_command("purge_cases", "--apply", "--user", world["admin"].username)

    assert capsys.readouterr().out.splitlines()[1] == (
        "已匿名化申请均已办结且不在保的家庭 1 户、人员 2 人，删除收入 1 条、财产 1 条。"
    )
    assert Person.objects.filter(name="（已匿名化）").count() == 2


def test_households_still_needed_are_kept(world):
    admin, assistant, village = world["admin"], world["assistant"], world["village"]
    recent = _household(admin, village, "近期户", 1951, "一号")
    _closed_case(assistant, recent, timezone.now() - dt.timedelta(days=30))
    still_open = _household(admin, village, "在办户", 1952, "二号")
    _closed_case(assistant, still_open)
    CaseEvent.objects.filter(case=submit(assistant, still_open)).update(at=LONG_AGO)
    receiving = _household(admin, village, "在保户", 1953, "三号")
    old_case = _closed_case(assistant, receiving)
    Recipient.objects.create(
        case=old_case,
        household=receiving,
        programme="dibao",
        region_code=village.code,
        status=RecipientStatus.SUSPENDED,
        monthly_amount=Decimal("320.00"),
        start_month=dt.date(2019, 1, 1),
    )
    _household(admin, village, "未申请户", 1954, "四号")  # never applied: not the purge's

    report = purge_registry(admin, retention_cutoff(), dry_run=False)

    assert (report.households, report.persons) == (0, 0)
    assert sorted(Household.objects.values_list("address", flat=True)) == sorted(
        ["一号", "二号", "三号", "四号"]
    )


def test_a_member_who_moved_to_a_kept_household_is_kept(world):
    admin, assistant, village = world["admin"], world["assistant"], world["village"]
    old = _household(admin, village, "王老汉", 1950)
    _closed_case(assistant, old)
    new_home = _household(admin, village, "王小二", 1980, "新家")
    spouse = Person.objects.get(name="王老汉妻")
    services.move_member(admin, spouse, new_home, Relation.PARENT, "随子女生活")

    report = purge_registry(admin, retention_cutoff(), dry_run=False)

    assert (report.households, report.persons) == (1, 1)
    assert Person.objects.get(pk=spouse.pk).name == "王老汉妻"
    assert Person.objects.filter(name="（已匿名化）").count() == 1
    assert Household.objects.get(pk=new_home.pk).address == "新家"


def test_another_countys_administrator_anonymises_nothing(world):
    _closed_case(world["assistant"], _household(world["admin"], world["village"], "王老汉", 1950))
    other_county = factories.region("370125000000", "济阳区", "county")
    other_admin = factories.user(Role.COUNTY_ADMIN, other_county, username="other_admin")

    report = purge_registry(other_admin, retention_cutoff(), dry_run=False)

    assert (report.households, report.persons) == (0, 0)
    assert Person.objects.filter(name="（已匿名化）").count() == 0


@pytest.mark.parametrize("role", [Role.TOWN_ASSISTANT, Role.COUNTY_SUPERVISOR, Role.AUDITOR])
def test_only_the_county_administrator_may_purge(world, role):
    household = _household(world["admin"], world["village"], "王老汉", 1950)
    _closed_case(world["assistant"], household)
    actor = factories.user(role, factories.county(), username="not_admin")

    with pytest.raises(PermissionError) as refused:
        purge_registry(actor, retention_cutoff(), dry_run=False)
    with pytest.raises(PermissionError):
        anonymise.anonymise_household(actor, household, [])

    assert str(refused.value) == "无权管理接口令牌、查看安全事件。"
    assert Household.objects.get(pk=household.pk).address == ADDRESS


def test_anonymise_refuses_a_person_of_another_household(world):
    household = _household(world["admin"], world["village"], "王老汉", 1950)
    stranger = factories.head_of(_household(world["admin"], world["village"], "外人", 1960, "外"))

    with pytest.raises(DomainError) as refused:
        anonymise.anonymise_household(world["admin"], household, [stranger])

    assert refused.value.message == "只能匿名化本户成员。"
    assert Person.objects.get(pk=stranger.pk).name == "外人"
    assert Household.objects.get(pk=household.pk).address == ADDRESS
