"""Every write of the care facts: appended records, checked, in a transaction, audited on
the household of the person they are about. Bad input raises DomainError in Chinese and
writes nothing.

The policy's limits (how long an assessment may run, the children's age limit) are given by
the caller, which reads them from the dated parameters (cases/services/care.py): the
registry does not read policy.
"""

import datetime as dt
from collections.abc import Collection
from enum import StrEnum

from django.db import transaction

from jiuzhu.core.errors import DomainError
from jiuzhu.core.inputs import plain_text
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.registry.care.models import (
    ACTIVITIES,
    CareArrangement,
    CareInstitution,
    ChildCategory,
    ChildHardship,
    ParentStatus,
    SelfCareAssessment,
    SupporterCapacity,
    SupporterRelation,
    SupportMode,
)
from jiuzhu.registry.models import Household, Person

ACTIVITY_KEYS = frozenset(key for key, _label in ACTIVITIES)
# Parents unable to raise a child (事实无人抚养儿童: both parents in one of these situations,
# or one deceased or missing and the other in one of them).
UNABLE = frozenset(ParentStatus.values) - {ParentStatus.ABLE}


class Action(StrEnum):
    """The audit log's names for these writes."""

    ASSESS_SELF_CARE = "assess_self_care"
    RECORD_CARE_ARRANGEMENT = "record_care_arrangement"
    RECORD_SUPPORTER = "record_supporter"
    RECORD_CHILD_HARDSHIP = "record_child_hardship"
    ADD_CARE_INSTITUTION = "add_care_institution"


def _household_of(person: Person) -> Household:
    membership = person.memberships.filter(end_date__isnull=True).select_related("household")
    current = membership.first()
    if current is None:
        raise DomainError("该人员没有在册家庭，请先登记家庭档案。")
    return current.household


def _writer(actor: User, person: Person) -> Household:
    """The person's household, once the actor may edit it."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    household = _household_of(person)
    require_area(actor, household.registered_code)
    return household


def _text(value: str, what: str, field: str, limit: int, required: bool = True) -> str:
    value = plain_text(value or "", what, field).strip()
    if required and not value:
        raise DomainError(f"请填写{what}。", field=field)
    if len(value) > limit:
        raise DomainError(f"{what}不能超过{limit}个字。", field=field)
    return value


def _not_future(day: dt.date, what: str, field: str, today: dt.date) -> None:
    if day > today:
        raise DomainError(f"{what}不能晚于今天。", field=field)


def assess_self_care(
    actor: User,
    person: Person,
    assessed_on: dt.date,
    assessor: str,
    assessor_unit: str,
    unable: Collection[str],
    reassess_by: dt.date,
    latest_reassessment: dt.date,
    today: dt.date,
    note: str = "",
) -> SelfCareAssessment:
    """Record which of the six daily activities the person cannot do. `latest_reassessment`
    is the latest due date the rule allows (a year after the assessment by default)."""
    household = _writer(actor, person)
    unknown = set(unable) - ACTIVITY_KEYS
    if unknown:
        raise DomainError("日常活动项目无效。", field="unable")
    assessor = _text(assessor, "评估人员", "assessor", 40)
    assessor_unit = _text(assessor_unit, "评估机构", "assessor_unit", 60)
    note = _text(note, "说明", "note", 200, required=False)
    _not_future(assessed_on, "评估日期", "assessed_on", today)
    if reassess_by <= assessed_on:
        raise DomainError("下次评估期限应晚于评估日期。", field="reassess_by")
    if reassess_by > latest_reassessment:
        raise DomainError(
            f"下次评估期限不能晚于{latest_reassessment:%Y年%m月%d日}（至少每年评估一次）。",
            field="reassess_by",
        )
    latest = person.self_care_assessments.first()
    if latest is not None and assessed_on < latest.assessed_on:
        raise DomainError(
            f"评估日期不能早于上一次评估（{latest.assessed_on:%Y年%m月%d日}）。",
            field="assessed_on",
        )
    flags = {f"unable_{key}": key in unable for key in ACTIVITY_KEYS}
    with transaction.atomic():
        assessment = SelfCareAssessment.objects.create(
            person=person,
            assessed_on=assessed_on,
            assessor=assessor,
            assessor_unit=assessor_unit,
            unable_count=len(set(unable)),
            reassess_by=reassess_by,
            note=note,
            recorded_by=actor,
            **flags,
        )
        record_audit(
            actor,
            Action.ASSESS_SELF_CARE,
            household,
            {"person": person.pk, "unable": sorted(unable), "assessed_on": str(assessed_on)},
        )
    return assessment


def add_institution(
    actor: User,
    name: str,
    town: Region,
    credit_code: str,
    bank: str,
    account_number: str,
    holder_name: str,
    address: str = "",
) -> CareInstitution:
    """A care institution of a town with the account its transfers are paid to."""
    require(actor, Capability.EDIT_HOUSEHOLDS)
    if town.level != RegionLevel.TOWN:
        raise DomainError("请选择机构所在的乡镇（街道）。", field="town")
    require_area(actor, town.code[:9])
    name = _text(name, "机构名称", "name", 60)
    credit_code = _text(credit_code, "统一社会信用代码", "credit_code", 18).upper()
    if len(credit_code) != 18 or not credit_code.isalnum():
        raise DomainError("统一社会信用代码应为18位数字或字母。", field="credit_code")
    bank = _text(bank, "开户银行", "bank", 40)
    account_number = _text(account_number, "账号", "account_number", 32).replace(" ", "")
    if not account_number.isdigit() or not 8 <= len(account_number) <= 32:
        raise DomainError("账号应为8-32位数字。", field="account_number")
    holder_name = _text(holder_name, "户名", "holder_name", 40)
    if CareInstitution.objects.filter(name=name).exists():
        raise DomainError("已有同名机构。", field="name")
    with transaction.atomic():
        institution = CareInstitution.objects.create(
            name=name,
            town=town,
            address=_text(address, "地址", "address", 120, required=False),
            credit_code=credit_code,
            bank=bank,
            account_number=account_number,
            holder_name=holder_name,
            created_by=actor,
        )
        record_audit(actor, Action.ADD_CARE_INSTITUTION, institution, {"name": name})
    return institution


def record_arrangement(
    actor: User,
    person: Person,
    mode: str,
    since: dt.date,
    today: dt.date,
    institution: CareInstitution | None = None,
    note: str = "",
) -> CareArrangement:
    """Where the person is cared for from `since`: at home, or in an institution (whose
    account then receives the monthly support)."""
    household = _writer(actor, person)
    if mode not in SupportMode.values:
        raise DomainError("供养方式无效。", field="mode")
    if mode == SupportMode.INSTITUTIONAL and institution is None:
        raise DomainError("集中供养请选择入住的机构。", field="institution")
    if mode == SupportMode.INSTITUTIONAL and institution is not None and not institution.active:
        raise DomainError("该机构已停用。", field="institution")
    if mode == SupportMode.DISPERSED:
        institution = None
    _not_future(since, "起始日期", "since", today)
    latest = person.care_arrangements.first()
    if latest is not None and since < latest.since:
        raise DomainError(
            f"起始日期不能早于当前供养方式的起始日期（{latest.since:%Y年%m月%d日}）。",
            field="since",
        )
    with transaction.atomic():
        arrangement = CareArrangement.objects.create(
            person=person,
            mode=mode,
            institution=institution,
            since=since,
            note=_text(note, "说明", "note", 200, required=False),
            recorded_by=actor,
        )
        record_audit(
            actor,
            Action.RECORD_CARE_ARRANGEMENT,
            household,
            {"person": person.pk, "mode": mode, "institution": institution and institution.pk},
        )
    return arrangement


def record_supporter(
    actor: User,
    person: Person,
    supporter_name: str,
    relation: str,
    able: bool,
    assessed_on: dt.date,
    today: dt.date,
    reason: str = "",
) -> SupporterCapacity:
    """A legal supporter and whether they can fulfil the duty; it supersedes an earlier
    record about the same supporter."""
    household = _writer(actor, person)
    supporter_name = _text(supporter_name, "义务人姓名", "supporter_name", 40)
    if relation not in SupporterRelation.values:
        raise DomainError("与被供养人的关系无效。", field="relation")
    reason = _text(reason, "无履行能力的原因", "reason", 200, required=not able)
    _not_future(assessed_on, "认定日期", "assessed_on", today)
    with transaction.atomic():
        person.supporters.filter(supporter_name=supporter_name, superseded=False).update(
            superseded=True
        )
        record = SupporterCapacity.objects.create(
            person=person,
            supporter_name=supporter_name,
            relation=relation,
            able=able,
            reason=reason,
            assessed_on=assessed_on,
            recorded_by=actor,
        )
        record_audit(
            actor,
            Action.RECORD_SUPPORTER,
            household,
            {"person": person.pk, "supporter": supporter_name, "able": able},
        )
    return record


def child_category(father: str, mother: str) -> ChildCategory:
    """Orphan when both parents are dead; de facto unsupported when neither can raise the
    child (both unable, or one dead or missing and the other unable); otherwise another
    child in hardship, helped through the household's dibao or tekun and visits."""
    if father == mother == ParentStatus.DECEASED:
        return ChildCategory.ORPHAN
    if father in UNABLE and mother in UNABLE:
        return ChildCategory.DE_FACTO
    return ChildCategory.OTHER


def past_age_limit(age_limit_day: dt.date) -> str:
    """The refusal for a child past the children's scheme's age limit and not in school."""
    return (
        f"该儿童已于{age_limit_day:%Y年%m月%d日}年满18周岁，且未在全日制学校就读，"
        "不属于困境儿童保障范围。"
    )


def record_child(
    actor: User,
    child: Person,
    father_status: str,
    mother_status: str,
    evidence: str,
    recorded_on: dt.date,
    age_limit_day: dt.date,
    today: dt.date,
    guardian: Person | None = None,
    guardian_relation: str = "",
    education_until: dt.date | None = None,
) -> ChildHardship:
    """A child's hardship record. `age_limit_day` is the day the child reaches the age limit
    (18th birthday): after it only a child in full-time education may be recorded."""
    household = _writer(actor, child)
    if father_status not in ParentStatus.values or mother_status not in ParentStatus.values:
        raise DomainError("父母情况无效。", field="father_status")
    _not_future(recorded_on, "认定日期", "recorded_on", today)
    in_school = education_until is not None and education_until >= recorded_on
    if recorded_on >= age_limit_day and not in_school:
        raise DomainError(past_age_limit(age_limit_day), field="child")
    category = child_category(father_status, mother_status)
    unable = {father_status, mother_status} & UNABLE
    evidence = _text(evidence, "证明材料", "evidence", 200, required=bool(unable))
    if category != ChildCategory.OTHER and guardian is None:
        raise DomainError("请选择监护人（基本生活费发放至监护人账户）。", field="guardian")
    if guardian is not None and guardian.pk == child.pk:
        raise DomainError("监护人不能是儿童本人。", field="guardian")
    guardian_relation = _text(
        guardian_relation,
        "监护人与儿童关系",
        "guardian_relation",
        20,
        required=guardian is not None,
    )
    with transaction.atomic():
        record = ChildHardship.objects.create(
            child=child,
            category=category,
            father_status=father_status,
            mother_status=mother_status,
            evidence=evidence,
            guardian=guardian,
            guardian_relation=guardian_relation,
            education_until=education_until,
            recorded_on=recorded_on,
            recorded_by=actor,
        )
        record_audit(
            actor,
            Action.RECORD_CHILD_HARDSHIP,
            household,
            {"person": child.pk, "category": category, "guardian": guardian and guardian.pk},
        )
    return record
