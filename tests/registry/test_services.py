import datetime as dt
import re

import pytest

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditEntry
from jiuzhu.core.roles import Role
from jiuzhu.registry import services
from jiuzhu.registry.models import Household, Income, Membership, Person, Relation
from jiuzhu.registry.selectors import id_number_is
from tests import factories


def refused(message: str):
    """Expect a DomainError with exactly this Chinese message."""
    return pytest.raises(DomainError, match=f"^{re.escape(message)}$")


def counts():
    return (Household.objects.count(), Person.objects.count(), Membership.objects.count())


@pytest.mark.django_db
def test_create_household_with_members(dong_e_assistant, dong_e_village):
    head_id = factories.id_number(dt.date(1958, 3, 2), "M")
    household = factories.household(
        dong_e_assistant,
        dong_e_village,
        members=[
            factories.member(Relation.HEAD, "张三", dong_e_village, id_number=head_id),
            factories.member(Relation.SPOUSE, "李四", dong_e_village),
        ],
    )
    assert household.number == "37012410220100001"
    assert household.registered_code == dong_e_village.code
    head = Person.objects.get(id_number_is(head_id))
    assert (head.sex, head.birth_date, head.name_initials) == ("M", dt.date(1958, 3, 2), "zs")
    assert head.id_suffix == head_id[-4:]
    entry = AuditEntry.objects.get(action="create_household")
    assert entry.actor == dong_e_assistant
    # The audit trail never holds a full ID number.
    assert head_id not in str(entry.changes)
    second = factories.household(dong_e_assistant, dong_e_village)
    assert second.number == "37012410220100002"


@pytest.mark.django_db
def test_same_person_in_a_second_household_is_refused_with_a_masked_pointer(
    dong_e_assistant, dong_e_village
):
    id_number = factories.id_number()
    first = factories.household(
        dong_e_assistant, dong_e_village, members=[factories.member(id_number=id_number)]
    )
    before = counts()
    with pytest.raises(DomainError) as error:
        factories.household(
            dong_e_assistant, dong_e_village, members=[factories.member(id_number=id_number)]
        )
    assert first.number in error.value.message
    assert id_number not in error.value.message
    assert id_number[:6] + "********" + id_number[-4:] in error.value.message
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("relations", "message"),
    [
        ([Relation.HEAD, Relation.HEAD], "一户应有且只有一名户主。"),
        ([Relation.SPOUSE], "一户应有且只有一名户主。"),
        ([], "家庭至少应有一名成员（户主）。"),
    ],
)
def test_household_must_have_exactly_one_head(dong_e_assistant, dong_e_village, relations, message):
    members = [factories.member(r, residence=dong_e_village) for r in relations]
    data = services.HouseholdInput(dong_e_village, dong_e_village, "rural", members=members)
    with refused(message):
        services.create_household(dong_e_assistant, data)
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_invalid_id_in_any_member_writes_nothing(dong_e_assistant, dong_e_village):
    bad = factories.member(Relation.SPOUSE, residence=dong_e_village)
    bad.id_number = bad.id_number[:17] + ("0" if bad.id_number[17] != "0" else "1")
    data = services.HouseholdInput(
        dong_e_village, dong_e_village, "rural", members=[factories.member(), bad]
    )
    with refused("身份证号校验码错误，请核对。"):
        services.create_household(dong_e_assistant, data)
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_registration_outside_the_users_area_is_refused(dong_e_assistant, meigui_village):
    data = services.HouseholdInput(
        meigui_village, meigui_village, "rural", members=[factories.member()]
    )
    with refused("户籍地不在您的管辖范围内。"):
        services.create_household(dong_e_assistant, data)
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_oversize_input_is_refused(dong_e_assistant, dong_e_village):
    members = [factories.member()] + [
        factories.member(Relation.CHILD) for _ in range(services.MAX_MEMBERS)
    ]
    data = services.HouseholdInput(dong_e_village, dong_e_village, "rural", members=members)
    with refused("家庭成员最多30人。"):
        services.create_household(dong_e_assistant, data)
    long_name = factories.member(name="张" * 41)
    data = services.HouseholdInput(dong_e_village, dong_e_village, "rural", members=[long_name])
    with refused("姓名不能为空，最多40字。"):
        services.create_household(dong_e_assistant, data)
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_watchers_cannot_edit(dong_e, dong_e_village):
    for role in (Role.COUNTY_SUPERVISOR, Role.AUDITOR, Role.SOCIAL_WORKER, Role.DEPARTMENT_OFFICER):
        actor = factories.user(role, dong_e)
        data = services.HouseholdInput(
            dong_e_village, dong_e_village, "rural", members=[factories.member()]
        )
        with pytest.raises(PermissionError):
            services.create_household(actor, data)
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_move_member_keeps_history(dong_e_assistant, dong_e_village):
    origin = factories.household(
        dong_e_assistant,
        dong_e_village,
        members=[factories.member(), factories.member(Relation.CHILD, "张小红")],
    )
    target = factories.household(dong_e_assistant, dong_e_village)
    daughter = Person.objects.get(name="张小红")
    services.move_member(dong_e_assistant, daughter, target, Relation.SPOUSE, "婚嫁")
    history = list(daughter.memberships.order_by("start_date", "pk"))
    assert [m.household for m in history] == [origin, target]
    assert history[0].end_date is not None and history[0].end_reason == "婚嫁"
    assert history[1].end_date is None
    audit = AuditEntry.objects.get(action="move_member", object_id=daughter.pk)
    assert audit.changes == {
        "from": origin.number,
        "to": target.number,
        "relation": "spouse",
        "reason": "婚嫁",
    }


@pytest.mark.django_db
def test_head_cannot_leave_a_household_without_a_new_head(dong_e_assistant, dong_e_village):
    household = factories.household(
        dong_e_assistant,
        dong_e_village,
        members=[factories.member(name="王五"), factories.member(Relation.SPOUSE, "赵六")],
    )
    head = Person.objects.get(name="王五")
    target = factories.household(dong_e_assistant, dong_e_village)
    with refused("户主迁出前，请先为原户指定新的户主。"):
        services.move_member(dong_e_assistant, head, target, Relation.OTHER, "迁出")
    with refused("户主离开前，请先为本户指定新的户主。"):
        services.end_membership(dong_e_assistant, head, "死亡")
    assert household.memberships.filter(end_date__isnull=True).count() == 2
    with refused("目标户已有户主，一户只能有一名户主。"):
        services.move_member(dong_e_assistant, Person.objects.get(name="赵六"), target, "head", "x")


@pytest.mark.django_db
def test_second_head_by_adding_or_editing_is_refused(dong_e_assistant, dong_e_village):
    household = factories.household(
        dong_e_assistant,
        dong_e_village,
        members=[factories.member(), factories.member(Relation.SPOUSE, "钱七")],
    )
    with refused("本户已有户主，一户只能有一名户主。"):
        services.add_member(dong_e_assistant, household, factories.member(Relation.HEAD))
    spouse = Person.objects.get(name="钱七")
    data = factories.member(Relation.HEAD, "钱七", dong_e_village, id_number=spouse.id_number)
    with refused("本户已有户主，一户只能有一名户主。"):
        services.update_member(dong_e_assistant, spouse, data)
    spouse.refresh_from_db()
    assert spouse.memberships.get().relation == Relation.SPOUSE


@pytest.mark.django_db
def test_update_member_records_changes_and_refuses_id_change(dong_e_assistant, dong_e_village):
    household = factories.household(dong_e_assistant, dong_e_village)
    person = household.memberships.get().person
    data = factories.member(Relation.HEAD, "张叁", dong_e_village, id_number=person.id_number)
    data.disability_grade, data.disability_category = 1, "physical"
    services.update_member(dong_e_assistant, person, data)
    person.refresh_from_db()
    assert (person.name, person.name_initials, person.disability_grade) == ("张叁", "zs", 1)
    data.id_number = factories.id_number()
    with refused("身份证号不能直接修改；如登记有误，请移除该成员后重新登记。"):
        services.update_member(dong_e_assistant, person, data)


@pytest.mark.django_db
def test_incomes_and_assets(dong_e_assistant, dong_e_village):
    household = factories.household(dong_e_assistant, dong_e_village)
    person = household.memberships.get().person
    services.add_income(dong_e_assistant, household, "wages", "1200.50", person)
    with refused("月均收入不能为负数。"):
        services.add_income(dong_e_assistant, household, "wages", "-1")
    with refused("收入类别无效。"):
        services.add_income(dong_e_assistant, household, "lottery", "1")
    other = factories.household(dong_e_assistant, dong_e_village).memberships.get().person
    with refused("所选人员不是本户成员。"):
        services.add_income(dong_e_assistant, household, "wages", "1", other)
    assert Income.objects.count() == 1
    asset = services.add_asset(dong_e_assistant, household, "vehicle", 50000, 1, person)
    services.remove_asset(dong_e_assistant, household, asset.pk)
    assert not household.assets.exists()
