"""Education aid found, not waited for: at each new term the students of the town's tekun,
dibao and edge households are proposed, and the town confirms the applications it opens
(docs/policy/other-programmes.md#medical-education)."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from jiuzhu.cases import services as cases
from jiuzhu.cases.models import (
    ACTIVE_RECIPIENT_STATUSES,
    Case,
    Channel,
    Recipient,
    SchoolStage,
    Status,
    term_label,
    term_of,
)
from jiuzhu.core import idnumber
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.permissions import require
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.outreach.models import MonitoredHousehold, MonitoringReason
from jiuzhu.registry.models import Membership, Relation

# The usual age of each stage on 1 September of the school year (the town corrects it on
# confirming).
STAGE_AGES = (
    (3, SchoolStage.PRESCHOOL),
    (6, SchoolStage.PRIMARY),
    (12, SchoolStage.JUNIOR),
    (15, SchoolStage.SENIOR),
    (18, SchoolStage.COLLEGE),
)
LAST_AGE = 22  # college students up to 22
WHY: dict[str, str] = {
    Programme.TEKUN.value: "特困供养家庭",
    Programme.DIBAO.value: "低保家庭",
    MonitoringReason.EDGE.value: "低保边缘家庭",
}
# Applications that end the proposal for the term: already asked for, or granted.
_NOT_PROPOSED_AGAIN = (Status.REFUSED, Status.REJECTED, Status.WITHDRAWN)


@dataclass(frozen=True)
class Proposal:
    household_id: int
    household_number: str
    person_id: int
    name: str
    age: int
    stage: str
    why: str

    @property
    def stage_label(self) -> str:
        return SchoolStage(self.stage).label


def stage_for(age: int) -> str:
    """The school stage usual at `age` ("" outside 3–22)."""
    if age > LAST_AGE:
        return ""
    stage = ""
    for first_age, candidate in STAGE_AGES:
        if age >= first_age:
            stage = candidate
    return stage


def proposals(user: User, term: dt.date) -> list[Proposal]:
    """Students of the user's area in tekun, dibao or edge households with no education aid
    asked for or granted for `term`, with the stage their age suggests."""
    require(user, Capability.EDIT_HOUSEHOLDS)
    if term_of(term) != term:
        raise DomainError("学期应从3月1日（春季）或9月1日（秋季）开始。", field="term")
    prefix = user.scope_prefix
    school_year = dt.date(term.year if term.month == 9 else term.year - 1, 9, 1)
    why: dict[int, str] = {}
    for reason, household in (
        MonitoredHousehold.objects.filter(
            reason=MonitoringReason.EDGE, until__isnull=True, town_code__startswith=prefix
        )
        .values_list("reason", "household_id")
        .order_by("household_id")
    ):
        why[household] = WHY[reason]
    for programme, household in (
        Recipient.objects.filter(
            programme__in=[Programme.DIBAO, Programme.TEKUN],
            status__in=ACTIVE_RECIPIENT_STATUSES,
            region_code__startswith=prefix,
        )
        .values_list("programme", "household_id")
        .order_by("-programme", "household_id")  # tekun named before dibao
    ):
        why[household] = WHY[programme]
    asked = set(
        Case.objects.filter(programme=Programme.EDUCATION, school_term=term)
        .exclude(status__in=_NOT_PROPOSED_AGAIN)
        .values_list("beneficiary_id", flat=True)
    )
    found = []
    members = (
        Membership.objects.filter(household_id__in=why, end_date__isnull=True)
        .select_related("person", "household")
        .order_by("household__number", "person__birth_date", "pk")
    )
    for membership in members:
        person = membership.person
        age = idnumber.age_on(person.birth_date, school_year)
        stage = stage_for(age)
        if stage and person.pk not in asked:
            found.append(
                Proposal(
                    membership.household_id,
                    membership.household.number,
                    person.pk,
                    person.name,
                    age,
                    stage,
                    why[membership.household_id],
                )
            )
    return found


def confirm(actor: User, term: dt.date, stages: dict[int, str]) -> list[Case]:
    """Open the education-aid applications the town confirmed: person id → stage (the
    proposal's or the town's correction). Only proposed students; all or nothing."""
    proposed = {p.person_id: p for p in proposals(actor, term)}
    if not stages:
        raise DomainError("请至少选择一名学生。")
    unknown = set(stages) - set(proposed)
    if unknown:
        raise DomainError("所选学生不在本学期的建议名单中（可能已申请或已不符合条件）。")
    opened = []
    with transaction.atomic():
        for person_id, stage in stages.items():
            proposal = proposed[person_id]
            membership = Membership.objects.select_related("household", "person")
            head = membership.filter(
                household_id=proposal.household_id, end_date__isnull=True, relation=Relation.HEAD
            ).first()
            student = membership.get(
                household_id=proposal.household_id, person_id=person_id, end_date__isnull=True
            )
            opened.append(
                cases.submit_application(
                    actor,
                    cases.ApplicationInput(
                        household=student.household,
                        applicant=head.person if head else student.person,
                        beneficiary=student.person,
                        programme=Programme.EDUCATION,
                        reason=(
                            f"{term_label(term)}教育救助：{proposal.why}在校学生，"
                            "系统按学期自动发现，乡镇确认。"
                        ),
                        channel=Channel.REFERRAL,
                        schooling=cases.Schooling(stage, term),
                    ),
                )
            )
    return opened
