"""Every write to the registry: one function per use case, in a transaction, audited.

Rules broken raise DomainError with a Chinese message; nothing is written then.
"""

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from jiuzhu.core import idnumber
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.money import parse_decimal_yuan
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.registry.models import (
    Asset,
    AssetKind,
    DisabilityCategory,
    Household,
    HukouType,
    Income,
    IncomeCategory,
    LabourCapacity,
    Membership,
    Person,
    Relation,
)
from jiuzhu.registry.names import initials

MAX_MEMBERS = 30


@dataclass
class MemberInput:
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
    registered_region: Region
    residence_region: Region
    area_type: str
    address: str = ""
    registered_poor: bool = False
    members: list[MemberInput] = field(default_factory=list)


def _require_village_in_scope(actor: User, region: Region | None, what: str) -> None:
    if region is None or region.level != RegionLevel.VILLAGE:
        raise DomainError(f"{what}应选择到村（社区）。")
    if not actor.region or not actor.region.contains(region.code):
        raise DomainError(f"{what}不在您的管辖范围内。")


def _check_household_fields(actor: User, data: HouseholdInput) -> None:
    # Registration decides who is responsible; residence may be anywhere in the county.
    _require_village_in_scope(actor, data.registered_region, "户籍地")
    if data.residence_region is None or data.residence_region.level != RegionLevel.VILLAGE:
        raise DomainError("居住地应选择到村（社区）。")
    if data.area_type not in HukouType.values:
        raise DomainError("城乡类别无效。")
    if len(data.address) > 120:
        raise DomainError("详细地址过长（最多120字）。")


def _mask(id_number: str) -> str:
    return idnumber.mask(id_number, "partial")


def _check_member(data: MemberInput) -> idnumber.IdFacts:
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


def _existing_person_message(person: Person) -> str:
    current = person.memberships.filter(end_date__isnull=True).select_related("household").first()
    where = f"户 {current.household.number}" if current else "档案（目前不属于任何户）"
    return f"身份证号 {_mask(person.id_number)} 已登记在{where}，同一人只能有一份档案。"


def _create_person(data: MemberInput, facts: idnumber.IdFacts) -> Person:
    existing = Person.objects.filter(id_number=facts.id_number).first()
    if existing is not None:
        raise DomainError(_existing_person_message(existing), field="id_number")
    name = data.name.strip()
    return Person.objects.create(
        id_number=facts.id_number,
        id_suffix=facts.id_number[-4:],
        name=name,
        name_initials=initials(name),
        sex=facts.sex,
        birth_date=facts.birth_date,
        phone=data.phone.strip(),
        registered_region=data.registered_region,
        residence_region=data.residence_region,
        hukou_type=data.hukou_type,
        disability_grade=data.disability_grade,
        disability_category=data.disability_category,
        serious_illness=data.serious_illness,
        labour_capacity=data.labour_capacity,
    )


def _member_audit(data: MemberInput) -> dict[str, Any]:
    values = asdict(data)
    values["id_number"] = _mask(data.id_number)
    values["residence_region"] = data.residence_region.code
    values["registered_region"] = data.registered_region.code if data.registered_region else None
    return values


def _next_number(region: Region) -> str:
    # Lock the region row so two windows numbering households in one village do not collide.
    Region.objects.select_for_update().filter(pk=region.pk).first()
    last = Household.objects.filter(number__startswith=region.code).aggregate(m=Max("number"))["m"]
    seq = int(last[12:]) + 1 if last else 1
    return f"{region.code}{seq:05d}"


def _heads(members: list[MemberInput]) -> int:
    return sum(m.relation == Relation.HEAD for m in members)


def create_household(actor: User, data: HouseholdInput) -> Household:
    require(actor, Capability.EDIT_HOUSEHOLDS)
    _check_household_fields(actor, data)
    if not data.members:
        raise DomainError("家庭至少应有一名成员（户主）。")
    if len(data.members) > MAX_MEMBERS:
        raise DomainError(f"家庭成员最多{MAX_MEMBERS}人。")
    if _heads(data.members) != 1:
        raise DomainError("一户应有且只有一名户主。")
    facts = [_check_member(m) for m in data.members]
    ids = [f.id_number for f in facts]
    if len(set(ids)) != len(ids):
        raise DomainError("同一身份证号在本户中填写了两次。")
    today = timezone.localdate()
    try:
        with transaction.atomic():
            household = Household.objects.create(
                number=_next_number(data.registered_region),
                registered_region=data.registered_region,
                residence_region=data.residence_region,
                registered_code=data.registered_region.code,
                residence_code=data.residence_region.code,
                area_type=data.area_type,
                address=data.address.strip(),
                registered_poor=data.registered_poor,
            )
            for member, fact in zip(data.members, facts, strict=True):
                person = _create_person(member, fact)
                Membership.objects.create(
                    household=household,
                    person=person,
                    relation=member.relation,
                    co_resident=member.co_resident,
                    start_date=today,
                )
            record_audit(
                actor,
                "create_household",
                household,
                {
                    "registered_region": data.registered_region.code,
                    "residence_region": data.residence_region.code,
                    "area_type": data.area_type,
                    "registered_poor": data.registered_poor,
                    "members": [_member_audit(m) for m in data.members],
                },
            )
    except IntegrityError as exc:  # a concurrent window registered the same person
        raise DomainError("保存失败：该人员或户主刚被其他人登记，请刷新后重试。") from exc
    return household


def _diff(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    changes = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [str(old), str(new)]
    return changes


def update_household(actor: User, household: Household, data: HouseholdInput) -> Household:
    require(actor, Capability.EDIT_HOUSEHOLDS)
    _check_household_fields(actor, data)
    values = {
        "registered_region": data.registered_region,
        "residence_region": data.residence_region,
        "area_type": data.area_type,
        "address": data.address.strip(),
        "registered_poor": data.registered_poor,
    }
    with transaction.atomic():
        changes = _diff(household, values)
        for name, value in values.items():
            setattr(household, name, value)
        household.registered_code = data.registered_region.code
        household.residence_code = data.residence_region.code
        household.save()
        if changes:
            record_audit(actor, "update_household", household, changes)
    return household


def _current_members(household: Household) -> list[Membership]:
    return list(household.memberships.filter(end_date__isnull=True).select_related("person"))


def add_member(actor: User, household: Household, data: MemberInput) -> Person:
    require(actor, Capability.EDIT_HOUSEHOLDS)
    facts = _check_member(data)
    current = _current_members(household)
    if len(current) >= MAX_MEMBERS:
        raise DomainError(f"家庭成员最多{MAX_MEMBERS}人。")
    if data.relation == Relation.HEAD and any(m.relation == Relation.HEAD for m in current):
        raise DomainError("本户已有户主，一户只能有一名户主。", field="relation")
    try:
        with transaction.atomic():
            person = _create_person(data, facts)
            Membership.objects.create(
                household=household,
                person=person,
                relation=data.relation,
                co_resident=data.co_resident,
                start_date=timezone.localdate(),
            )
            record_audit(actor, "add_member", household, {"member": _member_audit(data)})
    except IntegrityError as exc:
        raise DomainError("保存失败：该人员或户主刚被其他人登记，请刷新后重试。") from exc
    return person


def update_member(actor: User, person: Person, data: MemberInput) -> Person:
    """Edit a member's facts. The ID number itself is corrected only by re-registration."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    _check_member(data)
    if idnumber.normalise(data.id_number) != person.id_number:
        raise DomainError("身份证号不能直接修改；如登记有误，请移除该成员后重新登记。")
    membership = person.memberships.filter(end_date__isnull=True).first()
    name = data.name.strip()
    values = {
        "name": name,
        "phone": data.phone.strip(),
        "registered_region": data.registered_region,
        "residence_region": data.residence_region,
        "hukou_type": data.hukou_type,
        "disability_grade": data.disability_grade,
        "disability_category": data.disability_category,
        "serious_illness": data.serious_illness,
        "labour_capacity": data.labour_capacity,
    }
    with transaction.atomic():
        changes = _diff(person, values)
        for key, value in values.items():
            setattr(person, key, value)
        person.name_initials = initials(name)
        person.save()
        if membership is not None and (
            membership.relation != data.relation or membership.co_resident != data.co_resident
        ):
            if data.relation == Relation.HEAD and membership.relation != Relation.HEAD:
                others = membership.household.memberships.filter(
                    end_date__isnull=True, relation=Relation.HEAD
                )
                if others.exists():
                    raise DomainError("本户已有户主，一户只能有一名户主。", field="relation")
            changes["relation"] = [membership.relation, data.relation]
            membership.relation = data.relation
            membership.co_resident = data.co_resident
            membership.save(update_fields=["relation", "co_resident"])
        if changes:
            record_audit(actor, "update_member", person, changes)
    return person


def move_member(
    actor: User,
    person: Person,
    to_household: Household,
    relation: str,
    reason: str,
    on: dt.date | None = None,
) -> Membership:
    """End the current membership and start one in another household; history is kept."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    reason = reason.strip()
    if not reason:
        raise DomainError("请填写迁移原因。", field="reason")
    if relation not in Relation.values:
        raise DomainError("与户主关系无效。", field="relation")
    on = on or timezone.localdate()
    with transaction.atomic():
        current = person.memberships.select_for_update().filter(end_date__isnull=True).first()
        if current is not None and current.household_id == to_household.pk:
            raise DomainError("该成员已在目标户中。")
        if current is not None and current.relation == Relation.HEAD:
            remaining = current.household.memberships.filter(end_date__isnull=True).exclude(
                pk=current.pk
            )
            if remaining.exists():
                raise DomainError("户主迁出前，请先为原户指定新的户主。")
        target_members = _current_members(to_household)
        if relation == Relation.HEAD and any(m.relation == Relation.HEAD for m in target_members):
            raise DomainError("目标户已有户主，一户只能有一名户主。", field="relation")
        if len(target_members) >= MAX_MEMBERS:
            raise DomainError(f"家庭成员最多{MAX_MEMBERS}人。")
        if current is not None:
            current.end_date = on
            current.end_reason = reason[:100]
            current.save(update_fields=["end_date", "end_reason"])
        membership = Membership.objects.create(
            household=to_household, person=person, relation=relation, start_date=on
        )
        record_audit(
            actor,
            "move_member",
            person,
            {
                "from": current.household.number if current else None,
                "to": to_household.number,
                "relation": relation,
                "reason": reason,
            },
        )
    return membership


def end_membership(actor: User, person: Person, reason: str, on: dt.date | None = None) -> None:
    """A member leaves the household (death, marriage out, moved away); history is kept."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    reason = reason.strip()
    if not reason:
        raise DomainError("请填写离开原因。", field="reason")
    with transaction.atomic():
        current = person.memberships.select_for_update().filter(end_date__isnull=True).first()
        if current is None:
            raise DomainError("该人员目前不属于任何户。")
        others = current.household.memberships.filter(end_date__isnull=True).exclude(pk=current.pk)
        if current.relation == Relation.HEAD and others.exists():
            raise DomainError("户主离开前，请先为本户指定新的户主。")
        current.end_date = on or timezone.localdate()
        current.end_reason = reason[:100]
        current.save(update_fields=["end_date", "end_reason"])
        record_audit(
            actor,
            "end_membership",
            person,
            {"household": current.household.number, "reason": reason},
        )


def _member_of(household: Household, person: Person | None) -> None:
    if (
        person is not None
        and not household.memberships.filter(person=person, end_date__isnull=True).exists()
    ):
        raise DomainError("所选人员不是本户成员。")


def add_income(
    actor: User,
    household: Household,
    category: str,
    monthly_amount: Decimal | int | str,
    person: Person | None = None,
    note: str = "",
) -> Income:
    require(actor, Capability.EDIT_HOUSEHOLDS)
    if category not in IncomeCategory.values:
        raise DomainError("收入类别无效。", field="category")
    amount = parse_decimal_yuan(monthly_amount, "月均收入", "monthly_amount")
    _member_of(household, person)
    with transaction.atomic():
        income = Income.objects.create(
            household=household,
            person=person,
            category=category,
            monthly_amount=amount,
            note=note.strip()[:100],
        )
        record_audit(
            actor, "add_income", household, {"category": category, "monthly_amount": str(amount)}
        )
    return income


def add_asset(
    actor: User,
    household: Household,
    kind: str,
    value: Decimal | int | str,
    quantity: int = 1,
    person: Person | None = None,
    note: str = "",
) -> Asset:
    require(actor, Capability.EDIT_HOUSEHOLDS)
    if kind not in AssetKind.values:
        raise DomainError("财产类别无效。", field="kind")
    amount = parse_decimal_yuan(value, "财产价值", "value")
    if not 0 < quantity <= 1000:
        raise DomainError("数量应为1-1000。", field="quantity")
    _member_of(household, person)
    with transaction.atomic():
        asset = Asset.objects.create(
            household=household,
            person=person,
            kind=kind,
            value=amount,
            quantity=quantity,
            note=note.strip()[:100],
        )
        record_audit(
            actor,
            "add_asset",
            household,
            {"kind": kind, "value": str(amount), "quantity": quantity},
        )
    return asset


def remove_income(actor: User, household: Household, income_id: int) -> None:
    require(actor, Capability.EDIT_HOUSEHOLDS)
    with transaction.atomic():
        income = household.incomes.filter(pk=income_id).first()
        if income is None:
            raise DomainError("该收入记录不存在。")
        record_audit(
            actor,
            "remove_income",
            household,
            {"category": income.category, "monthly_amount": str(income.monthly_amount)},
        )
        income.delete()


def remove_asset(actor: User, household: Household, asset_id: int) -> None:
    require(actor, Capability.EDIT_HOUSEHOLDS)
    with transaction.atomic():
        asset = household.assets.filter(pk=asset_id).first()
        if asset is None:
            raise DomainError("该财产记录不存在。")
        record_audit(
            actor, "remove_asset", household, {"kind": asset.kind, "value": str(asset.value)}
        )
        asset.delete()
