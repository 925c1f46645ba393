"""Every write to the registry: one function per use case, in a transaction, audited.

Rules broken raise DomainError with a Chinese message; nothing is written then.
"""

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from jiuzhu.core import idnumber
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, User
from jiuzhu.core.money import parse_decimal_yuan
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.registry.inputs import (
    MAX_MEMBERS,
    TOO_MANY_MEMBERS,
    HouseholdInput,
    MemberInput,
    check_household_fields,
    check_member,
    heads,
)
from jiuzhu.registry.models import (
    Asset,
    AssetKind,
    Household,
    Income,
    IncomeCategory,
    Membership,
    Person,
    Relation,
)
from jiuzhu.registry.names import initials
from jiuzhu.registry.selectors import id_number_is

# MAX_MEMBERS, HouseholdInput and MemberInput are also used from here by forms and the API.

ONE_HEAD = "本户已有户主，一户只能有一名户主。"
SAVE_RACE = "保存失败：该人员或户主刚被其他人登记，请刷新后重试。"


class Action(StrEnum):
    """The audit log's names for the registry's writes."""

    CREATE_HOUSEHOLD = "create_household"
    UPDATE_HOUSEHOLD = "update_household"
    ADD_MEMBER = "add_member"
    UPDATE_MEMBER = "update_member"
    MOVE_MEMBER = "move_member"
    END_MEMBERSHIP = "end_membership"
    ADD_INCOME = "add_income"
    ADD_ASSET = "add_asset"
    REMOVE_INCOME = "remove_income"
    REMOVE_ASSET = "remove_asset"
    ANONYMISE_HOUSEHOLD = "anonymise_household"


def _mask(id_number: str) -> str:
    return idnumber.mask(id_number, idnumber.Visibility.PARTIAL)


def _existing_person_message(person: Person) -> str:
    current = person.memberships.filter(end_date__isnull=True).select_related("household").first()
    where = f"户 {current.household.number}" if current else "档案（目前不属于任何户）"
    return f"身份证号 {_mask(person.id_number)} 已登记在{where}，同一人只能有一份档案。"


def _create_person(data: MemberInput, facts: idnumber.IdFacts) -> Person:
    existing = Person.objects.filter(id_number_is(facts.id_number)).first()
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


def replace_id_number(person: Person, id_number: str) -> None:
    """The one way to change a stored ID number (anonymisation, a corrected registration):
    the sealed number, its digest and its plain last four are written together. A
    queryset's update() would leave the digest and suffix of the old number behind."""
    person.id_number = id_number
    person.id_suffix = id_number[-4:]
    person.save(update_fields=["id_number", "id_digest", "id_suffix", "updated_at"])


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


def _current(household: Household) -> QuerySet[Membership]:
    """The household's memberships that have not ended."""
    return household.memberships.filter(end_date__isnull=True)


def _has_head(members: list[Membership]) -> bool:
    return any(m.relation == Relation.HEAD for m in members)


def _check_new_household(actor: User, data: HouseholdInput) -> list[idnumber.IdFacts]:
    """Every rule a new household breaks before anything is written; the members' ID facts."""
    check_household_fields(actor, data)
    if not data.members:
        raise DomainError("家庭至少应有一名成员（户主）。")
    if len(data.members) > MAX_MEMBERS:
        raise DomainError(TOO_MANY_MEMBERS)
    if heads(data.members) != 1:
        raise DomainError("一户应有且只有一名户主。")
    facts = [check_member(m) for m in data.members]
    ids = [f.id_number for f in facts]
    if len(set(ids)) != len(ids):
        raise DomainError("同一身份证号在本户中填写了两次。")
    return facts


def _join(household: Household, person: Person, data: MemberInput, on: dt.date) -> Membership:
    return Membership.objects.create(
        household=household,
        person=person,
        relation=data.relation,
        co_resident=data.co_resident,
        start_date=on,
    )


def create_household(actor: User, data: HouseholdInput) -> Household:
    """Register a household with all its members (exactly one head), numbered in its village."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    facts = _check_new_household(actor, data)
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
            )
            for member, fact in zip(data.members, facts, strict=True):
                _join(household, _create_person(member, fact), member, today)
            record_audit(
                actor,
                Action.CREATE_HOUSEHOLD,
                household,
                {
                    "registered_region": data.registered_region.code,
                    "residence_region": data.residence_region.code,
                    "area_type": data.area_type,
                    "members": [_member_audit(m) for m in data.members],
                },
            )
    except IntegrityError as exc:  # a concurrent window registered the same person
        raise DomainError(SAVE_RACE) from exc
    return household


def _diff(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    changes = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [str(old), str(new)]
    return changes


def update_household(actor: User, household: Household, data: HouseholdInput) -> Household:
    """Change a household's regions, area type or address; the changes are audited (the
    poverty flags come from the bureau's list only: registry/poverty.py)."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    check_household_fields(actor, data)
    values = {
        "registered_region": data.registered_region,
        "residence_region": data.residence_region,
        "area_type": data.area_type,
        "address": data.address.strip(),
    }
    with transaction.atomic():
        changes = _diff(household, values)
        for name, value in values.items():
            setattr(household, name, value)
        household.registered_code = data.registered_region.code
        household.residence_code = data.residence_region.code
        household.save()
        if changes:
            record_audit(actor, Action.UPDATE_HOUSEHOLD, household, changes)
    return household


def _current_members(household: Household) -> list[Membership]:
    return list(_current(household).select_related("person"))


def add_member(actor: User, household: Household, data: MemberInput) -> Person:
    """Register a new person as a member of the household (one head at most, 30 members)."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    facts = check_member(data)
    current = _current_members(household)
    if len(current) >= MAX_MEMBERS:
        raise DomainError(TOO_MANY_MEMBERS)
    if data.relation == Relation.HEAD and _has_head(current):
        raise DomainError(ONE_HEAD, field="relation")
    try:
        with transaction.atomic():
            person = _create_person(data, facts)
            _join(household, person, data, timezone.localdate())
            record_audit(actor, Action.ADD_MEMBER, household, {"member": _member_audit(data)})
    except IntegrityError as exc:
        raise DomainError(SAVE_RACE) from exc
    return person


def update_member(actor: User, person: Person, data: MemberInput) -> Person:
    """Edit a member's facts. The ID number itself is corrected only by re-registration."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    check_member(data)
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
            changes["relation"] = [membership.relation, data.relation]
            _change_relation(membership, data)
        if changes:
            record_audit(actor, Action.UPDATE_MEMBER, person, changes)
    return person


def _change_relation(membership: Membership, data: MemberInput) -> None:
    """A member's relation to the head or co-residence changes; one head per household."""
    becomes_head = data.relation == Relation.HEAD and membership.relation != Relation.HEAD
    if becomes_head and _current(membership.household).filter(relation=Relation.HEAD).exists():
        raise DomainError(ONE_HEAD, field="relation")
    membership.relation = data.relation
    membership.co_resident = data.co_resident
    membership.save(update_fields=["relation", "co_resident"])


def _end(membership: Membership, on: dt.date, reason: str) -> None:
    membership.end_date = on
    membership.end_reason = reason[:100]
    membership.save(update_fields=["end_date", "end_reason"])


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
        if (
            current is not None
            and current.relation == Relation.HEAD
            and _current(current.household).exclude(pk=current.pk).exists()
        ):
            raise DomainError("户主迁出前，请先为原户指定新的户主。")
        target_members = _current_members(to_household)
        if relation == Relation.HEAD and _has_head(target_members):
            raise DomainError("目标户已有户主，一户只能有一名户主。", field="relation")
        if len(target_members) >= MAX_MEMBERS:
            raise DomainError(TOO_MANY_MEMBERS)
        if current is not None:
            _end(current, on, reason)
        membership = Membership.objects.create(
            household=to_household, person=person, relation=relation, start_date=on
        )
        record_audit(
            actor,
            Action.MOVE_MEMBER,
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
        others = _current(current.household).exclude(pk=current.pk)
        if current.relation == Relation.HEAD and others.exists():
            raise DomainError("户主离开前，请先为本户指定新的户主。")
        _end(current, on or timezone.localdate(), reason)
        record_audit(
            actor,
            Action.END_MEMBERSHIP,
            person,
            {"household": current.household.number, "reason": reason},
        )


def _add_record(
    actor: User,
    household: Household,
    record: Income | Asset,
    action: Action,
    audit: dict[str, Any],
) -> None:
    """Save an income or asset of the household once its owner is checked; audited."""
    if record.person is not None and not _current(household).filter(person=record.person).exists():
        raise DomainError("所选人员不是本户成员。")
    record.note = record.note.strip()[:100]
    with transaction.atomic():
        record.save()
        record_audit(actor, action, household, audit)


def add_income(
    actor: User,
    household: Household,
    category: str,
    monthly_amount: Decimal | int | str,
    person: Person | None = None,
    note: str = "",
) -> Income:
    """Record a household's (or one member's) monthly average income of one category."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    if category not in IncomeCategory.values:
        raise DomainError("收入类别无效。", field="category")
    amount = parse_decimal_yuan(monthly_amount, "月均收入", "monthly_amount")
    income = Income(
        household=household, person=person, category=category, monthly_amount=amount, note=note
    )
    audit = {"category": category, "monthly_amount": str(amount)}
    _add_record(actor, household, income, Action.ADD_INCOME, audit)
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
    """Record an asset of the household (or of one member): its kind, quantity and value."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    if kind not in AssetKind.values:
        raise DomainError("财产类别无效。", field="kind")
    amount = parse_decimal_yuan(value, "财产价值", "value")
    if not 0 < quantity <= 1000:
        raise DomainError("数量应为1-1000。", field="quantity")
    asset = Asset(
        household=household,
        person=person,
        kind=kind,
        value=amount,
        quantity=quantity,
        note=note,
    )
    audit = {"kind": kind, "value": str(amount), "quantity": quantity}
    _add_record(actor, household, asset, Action.ADD_ASSET, audit)
    return asset


def _remove_record(
    actor: User, household: Household, record: Income | Asset | None, action: Action, missing: str
) -> None:
    """Delete one of the household's records, keeping what it said in the audit log."""
    if record is None:
        raise DomainError(missing)
    if isinstance(record, Income):
        audit = {"category": record.category, "monthly_amount": str(record.monthly_amount)}
    else:
        audit = {"kind": record.kind, "value": str(record.value)}
    record_audit(actor, action, household, audit)
    record.delete()


def remove_income(actor: User, household: Household, income_id: int) -> None:
    """Delete an income of the household (audited)."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    with transaction.atomic():
        income = household.incomes.filter(pk=income_id).first()
        _remove_record(actor, household, income, Action.REMOVE_INCOME, "该收入记录不存在。")


def remove_asset(actor: User, household: Household, asset_id: int) -> None:
    """Delete an asset of the household (audited)."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    with transaction.atomic():
        asset = household.assets.filter(pk=asset_id).first()
        _remove_record(actor, household, asset, Action.REMOVE_ASSET, "该财产记录不存在。")
