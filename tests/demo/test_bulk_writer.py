"""registry/bulk.py, the registry's bulk writer the demo writes through: what it derives
(as create_household does) and what it refuses (nothing of a refused batch is written).

Here because the demo is its first user; the registry's tests may take it over.
"""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from jiuzhu.core import idnumber
from jiuzhu.core.errors import DomainError
from jiuzhu.registry.bulk import (
    NO_ROW,
    AssetRows,
    HouseholdRows,
    IncomeRows,
    MemberRows,
    RegistryBatch,
    RegistryBulkWriter,
    id_number_columns,
)
from jiuzhu.registry.models import Asset, Household, Income, Membership, Person
from jiuzhu.registry.selectors import id_number_is
from tests import factories

HEAD_ID = idnumber.make("370124", dt.date(1950, 3, 1), 2)  # a woman
SPOUSE_ID = idnumber.make("370102", dt.date(1948, 11, 30), 7)  # a man born in 历下区
LONG_NOTE = "  " + "说明" * 60 + "  "


def two_people_batch(households: int = 1) -> RegistryBatch:
    """`households` households of a head and her husband, each with an income and an asset."""
    one = np.zeros(households, dtype=np.int64)
    household = np.repeat(np.arange(households), 2)
    people = len(household)
    return RegistryBatch(
        households=HouseholdRows(
            registered_village=one,
            residence_village=one + 1,
            area_type=["rural"] * households,
            address=[" 东阿镇东阿村3号 "] * households,
            registered_poor=np.ones(households, dtype=bool),
        ),
        members=MemberRows(
            household=household,
            id_number=[HEAD_ID, SPOUSE_ID] * households,
            name=[" 王秀英 ", "李建国"] * households,
            relation=["head", "spouse"] * households,
            joined=np.full(people, np.datetime64("1970-05-01")),
            co_resident=np.ones(people, dtype=bool),
            phone=[" 13912345678 ", ""] * households,
            registered_village=np.tile([0, NO_ROW], households),
            residence_village=np.ones(people, dtype=np.int64),
            hukou_type=["rural"] * people,
            disability_grade=np.tile([0, 3], households),
            disability_category=["", "physical"] * households,
            serious_illness=np.tile([False, True], households),
            labour_capacity=["partial", "none"] * households,
        ),
        incomes=IncomeRows(
            household=np.arange(households),
            person=np.arange(households) * 2,
            note=[LONG_NOTE] * households,
            category=["resident_basic_pension"] * households,
            monthly_fen=np.full(households, 18_800),
        ),
        assets=AssetRows(
            household=np.arange(households),
            person=np.full(households, NO_ROW),
            note=["电动三轮车"] * households,
            kind=["motorbike_or_farm"] * households,
            quantity=np.full(households, 2),
            value_fen=np.full(households, 500_050),
        ),
    )


@pytest.mark.django_db
def test_a_batch_gets_what_create_household_derives():
    village = factories.village(number=201, name="东阿村")
    elsewhere = factories.village(number=202)
    registered_by_staff = factories.household(village_region=village)
    writer = RegistryBulkWriter([village, elsewhere])
    writer.write(two_people_batch())

    household = Household.objects.exclude(pk=registered_by_staff.pk).get()
    assert household.pk == registered_by_staff.pk + 1 == writer.next_household_id - 1
    # The village's numbering continues after the household the service registered.
    assert registered_by_staff.number == "37012410220100001"
    assert household.number == "37012410220100002"
    assert (household.registered_code, household.residence_code) == (village.code, elsewhere.code)
    assert (household.registered_region, household.residence_region) == (village, elsewhere)
    assert household.address == "东阿镇东阿村3号"
    assert household.registered_poor is True

    head = Person.objects.get(id_number_is(HEAD_ID))
    assert (head.name, head.name_initials, head.id_suffix) == ("王秀英", "wxy", HEAD_ID[-4:])
    assert (head.sex, head.birth_date) == ("F", dt.date(1950, 3, 1))
    assert (head.phone, head.registered_region, head.residence_region) == (
        "13912345678",
        village,
        elsewhere,
    )
    spouse = Person.objects.get(id_number_is(SPOUSE_ID))
    assert (spouse.sex, spouse.birth_date, spouse.registered_region) == (
        "M",
        dt.date(1948, 11, 30),
        None,
    )
    assert (spouse.disability_grade, spouse.disability_category) == (3, "physical")
    assert (spouse.serious_illness, spouse.labour_capacity) == (True, "none")

    # Sorted here: the database cannot order by the sealed numbers.
    memberships = sorted(
        household.memberships.select_related("person"), key=lambda m: m.person.id_number
    )
    assert [(m.person_id, m.relation, m.start_date, m.end_date) for m in memberships] == [
        (spouse.pk, "spouse", dt.date(1970, 5, 1), None),
        (head.pk, "head", dt.date(1970, 5, 1), None),
    ]
    income = Income.objects.get(household=household)
    assert (income.person, income.monthly_amount) == (head, Decimal("188.00"))
    assert income.note == ("说明" * 50)  # stripped, then cut to 100 characters
    asset = Asset.objects.get(household=household)
    assert (asset.person, asset.quantity, asset.value, asset.note) == (
        None,
        2,
        Decimal("5000.50"),
        "电动三轮车",
    )


@pytest.mark.django_db
def test_ids_and_numbers_continue_from_batch_to_batch():
    village, elsewhere = factories.village(number=201), factories.village(number=202)
    writer = RegistryBulkWriter([village, elsewhere])
    first = two_people_batch()
    writer.write(first)
    second = two_people_batch()
    second.members.id_number = [
        idnumber.make("370124", dt.date(1950, 3, 1), 4),
        idnumber.make("370124", dt.date(1948, 11, 30), 9),
    ]
    writer.write(second)
    numbers = list(Household.objects.order_by("pk").values_list("number", flat=True))
    assert numbers == ["37012410220100001", "37012410220100002"]
    assert Membership.objects.count() == 4
    assert writer.next_household_id == Household.objects.order_by("-pk").first().pk + 1


def broken(change: str) -> RegistryBatch:
    batch = two_people_batch(households=2)
    members = batch.members
    if change == "two heads":
        members.relation = ["head", "head", "head", "spouse"]
    elif change == "check digit":
        members.id_number = [HEAD_ID[:17] + ("0" if HEAD_ID[17] != "0" else "1"), SPOUSE_ID] * 2
    elif change == "income of another household's member":
        batch.incomes.person = np.array([2, 0])
    elif change == "grade without category":
        members.disability_category = ["", ""] * 2
    elif change == "unknown relation":
        members.relation = ["head", "lodger"] * 2
    elif change == "too many members":
        # Household 0: its head, her husband and 29 children (31, one more than allowed).
        extra = 29
        children = [idnumber.make("370124", dt.date(1980, 1, 1), 2 * i + 1) for i in range(extra)]
        members.household = np.r_[members.household, np.zeros(extra, dtype=np.int64)]
        for name, values in (
            ("id_number", children),
            ("name", ["王小"] * extra),
            ("relation", ["child"] * extra),
            ("phone", [""] * extra),
            ("hukou_type", ["rural"] * extra),
            ("disability_category", [""] * extra),
            ("labour_capacity", ["full"] * extra),
        ):
            setattr(members, name, getattr(members, name) + values)
        for name, value in (
            ("joined", np.datetime64("1980-01-01")),
            ("co_resident", True),
            ("registered_village", 0),
            ("residence_village", 1),
            ("disability_grade", 0),
            ("serious_illness", False),
        ):
            column = getattr(members, name)
            setattr(members, name, np.r_[column, np.full(extra, value, dtype=column.dtype)])
    return batch


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("two heads", "一户应有且只有一名户主。"),
        ("check digit", f"身份证号 370124********{HEAD_ID[-4:-1]}"),
        ("income of another household's member", "所选人员不是本户成员。"),
        ("grade without category", "残疾等级与残疾类别应同时填写。"),
        ("unknown relation", "与户主关系无效。"),
        ("too many members", "家庭成员最多30人。"),
    ],
)
def test_a_batch_breaking_a_rule_is_refused_and_nothing_written(change, message):
    writer = RegistryBulkWriter([factories.village(number=201), factories.village(number=202)])
    with pytest.raises(DomainError) as refused:
        writer.write(broken(change))
    assert refused.value.message.startswith(message)
    assert not Household.objects.exists() and not Person.objects.exists()
    assert not Income.objects.exists() and not Asset.objects.exists()


@pytest.mark.django_db
def test_a_village_past_99999_households_is_refused():
    writer = RegistryBulkWriter([factories.village(number=201), factories.village(number=202)])
    writer.household_sequences[0] = 99_999
    with pytest.raises(DomainError, match="某村（社区）的户编号已超过99999。"):
        writer.write(two_people_batch())
    assert not Household.objects.exists()


def test_id_number_columns_read_what_idnumber_parse_reads():
    rng = np.random.default_rng(3)
    births = (np.datetime64("1920-01-01") + rng.integers(0, 36_000, 300)).tolist()
    sequences = rng.integers(1, 1000, 300).tolist()
    made = [
        idnumber.make(code, born, seq)
        for code, born, seq in zip(
            rng.choice(["370124", "370102", "110105"], 300).tolist(), births, sequences, strict=True
        )
    ]
    columns = id_number_columns(made)
    assert columns.well_formed.all() and columns.check_ok.all()
    for position, value in enumerate(made):
        facts = idnumber.parse(value)
        assert columns.region[position] == int(facts.region_code)
        assert columns.birth_date[position] == np.datetime64(facts.birth_date)
        assert ("M" if columns.sequence[position] % 2 else "F") == facts.sex

    bad = id_number_columns(
        [
            "37012419700230001X",  # 30 February
            "3701241970051700A1",  # a letter among the digits
            made[0][:17] + ("0" if made[0][17] != "0" else "1"),  # wrong check character
            "",
        ]
    )
    assert bad.well_formed.tolist() == [False, False, True, False]
    assert bad.check_ok.tolist() == [False, False, False, False]
