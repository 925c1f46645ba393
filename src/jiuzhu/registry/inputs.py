"""What the registry's services accept, and the checks of its shape that need no database.

Forms and the API fill these dataclasses; the services check them again (the rules live
here, once) before writing anything.
"""

from dataclasses import dataclass, field, fields
from typing import Any

from jiuzhu.core import idnumber
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.registry.models import (
    DisabilityCategory,
    Household,
    HukouType,
    LabourCapacity,
    Membership,
    Person,
    Relation,
)

MAX_MEMBERS = 30
TOO_MANY_MEMBERS = f"家庭成员最多{MAX_MEMBERS}人。"


@dataclass
class MemberInput:
    """A member as a form or the API gives it to the services."""

    id_number: str
    name: str
    relation: str
    residence_region: Region
    hukou_type: str
    registered_region: Region | None = None
    phone: str = ""
    disability_grade: int = 0
    disability_category: str = ""
    serious_illness: bool = False
    labour_capacity: str = LabourCapacity.FULL
    co_resident: bool = True


@dataclass
class HouseholdInput:
    """A household (and, when created, its members) as given to the services."""

    registered_region: Region
    residence_region: Region
    area_type: str
    address: str = ""
    members: list[MemberInput] = field(default_factory=list)


def _require_village_in_scope(actor: User, region: Region | None, what: str) -> None:
    if region is None or region.level != RegionLevel.VILLAGE:
        raise DomainError(f"{what}应选择到村（社区）。")
    if not actor.region or not actor.region.contains(region.code):
        raise DomainError(f"{what}不在您的管辖范围内。")


def check_household_fields(actor: User, data: HouseholdInput) -> None:
    """The household's own fields: registered in the actor's scope, regions are villages."""
    # Registration decides who is responsible; residence may be anywhere in the county.
    _require_village_in_scope(actor, data.registered_region, "户籍地")
    if data.residence_region is None or data.residence_region.level != RegionLevel.VILLAGE:
        raise DomainError("居住地应选择到村（社区）。")
    if data.area_type not in HukouType.values:
        raise DomainError("城乡类别无效。")
    if len(data.address) > 120:
        raise DomainError("详细地址过长（最多120字）。")


def check_member(data: MemberInput) -> idnumber.IdFacts:
    """A member's fields, one Chinese message per rule; the facts the ID number encodes."""
    facts = idnumber.parse(data.id_number)
    name = data.name.strip()
    if not name or len(name) > 40:
        raise DomainError("姓名不能为空，最多40字。", field="name")
    if data.relation not in Relation.values:
        raise DomainError("与户主关系无效。", field="relation")
    if data.hukou_type not in HukouType.values:
        raise DomainError("户口性质无效。", field="hukou_type")
    if data.labour_capacity not in LabourCapacity.values:
        raise DomainError("劳动能力无效。", field="labour_capacity")
    if data.disability_category not in DisabilityCategory.values:
        raise DomainError("残疾类别无效。", field="disability_category")
    if not 0 <= data.disability_grade <= 4:
        raise DomainError("残疾等级应为0-4。", field="disability_grade")
    if bool(data.disability_grade) != bool(data.disability_category):
        raise DomainError("残疾等级与残疾类别应同时填写。", field="disability_category")
    phone = data.phone.strip()
    if phone and not (phone.replace("-", "").isdigit() and 7 <= len(phone) <= 20):
        raise DomainError("联系电话格式不正确。", field="phone")
    for region, what in ((data.residence_region, "居住地"), (data.registered_region, "户籍地")):
        if region is not None and region.level != RegionLevel.VILLAGE:
            raise DomainError(f"成员{what}应选择到村（社区）。")
    return facts


def heads(members: list[MemberInput]) -> int:
    """How many of the members are given as head of household."""
    return sum(m.relation == Relation.HEAD for m in members)


# Of a member's fields, these belong to the membership; the others to the person.
MEMBERSHIP_FIELDS = frozenset({"relation", "co_resident"})


def household_input_of(household: Household) -> HouseholdInput:
    """A household's fields as they stand: the start of an edit (members are edited apart)."""
    names = [item.name for item in fields(HouseholdInput) if item.name != "members"]
    return HouseholdInput(**{name: getattr(household, name) for name in names})


def member_input_of(person: Person, membership: Membership) -> MemberInput:
    """A current member's fields as they stand: the start of an edit."""
    return MemberInput(
        **{
            item.name: getattr(membership if item.name in MEMBERSHIP_FIELDS else person, item.name)
            for item in fields(MemberInput)
        }
    )


def as_initial(data: HouseholdInput | MemberInput) -> dict[str, Any]:
    """An input's fields by name, as a form's initial values (without copying regions)."""
    return {item.name: getattr(data, item.name) for item in fields(data)}
