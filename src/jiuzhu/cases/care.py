"""What tekun and the children's scheme ask of the recorded care facts (registry/care):
whether a case can be decided on them, when a child's support ends, and the worklist of
reassessments and 18th birthdays coming due (docs/policy/tekun.md#self-care,
docs/policy/other-programmes.md#children)."""

import datetime as dt
import heapq
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet, prefetch_related_objects
from django.urls import reverse

from jiuzhu.cases.models import PAID_RECIPIENT_STATUSES, Case, Recipient
from jiuzhu.core.models import User
from jiuzhu.core.months import add_months
from jiuzhu.core.programmes import Programme
from jiuzhu.core.selectors import in_area
from jiuzhu.policy.accessors import Care
from jiuzhu.policy.calculator.programmes import CARE_LABELS
from jiuzhu.registry.care.models import SelfCareAssessment
from jiuzhu.registry.care.selectors import (
    CareFacts,
    CareHistory,
    care_facts,
    care_history,
    reassessment_due,
)
from jiuzhu.registry.care.services import past_age_limit
from jiuzhu.registry.models import Household, Person
from jiuzhu.registry.sections import Entry

NO_ASSESSMENT = (
    "尚未录入生活自理能力评估，无法确定照料护理等级：请先在家庭档案中录入六项日常活动评估。"
)
NO_CHILD_RECORD = "尚未录入困境儿童认定（父母情况、证明材料和监护人），不能审核确认。"


def birthday(born: dt.date, years: int) -> dt.date:
    """The day a person born on `born` turns `years` (29 February: 1 March); with negative
    `years`, the birth date of someone who turns that age on `born`."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return dt.date(born.year + years, 3, 1)


def over_age_limit(child: Person, on: dt.date, facts: CareFacts | None = None) -> str:
    """Why a child can no longer be helped by the children's scheme on `on` ('' if they
    can): past the age limit and not in full-time education."""
    limit = birthday(child.birth_date, Care.on(on).children_max_age)
    if on < limit or (facts is not None and facts.in_education(on)):
        return ""
    return past_age_limit(limit)


def support_ends(child: Person, facts: CareFacts, on: dt.date) -> dt.date:
    """The first day a child's allowance is no longer due: the 18th birthday, or the day
    after recorded full-time education ends when that is later."""
    limit = birthday(child.birth_date, Care.on(on).children_max_age)
    school = facts.child.education_until if facts.child else None
    return max(limit, school + dt.timedelta(days=1)) if school else limit


def decision_refusal(case: Case, on: dt.date) -> str:
    """Why a tekun or children's case cannot be decided on the recorded facts ('' if it
    can): no self-care assessment or one past its due date; no hardship record, or a child
    past the age limit."""
    person = case.beneficiary
    if person is None or case.programme not in (Programme.TEKUN, Programme.CHILDREN):
        return ""
    facts = care_facts([person.pk])[person.pk]
    if case.programme == Programme.TEKUN:
        if facts.assessment is None:
            return NO_ASSESSMENT
        if facts.assessment.reassess_by < on:
            return (
                f"生活自理能力评估已于{facts.assessment.reassess_by:%Y年%m月%d日}到期，"
                "请重新评估后再审核确认。"
            )
        return ""
    if facts.child is None:
        return NO_CHILD_RECORD
    return over_age_limit(person, on, facts)


@dataclass
class CareDue:
    """A worklist line: a recipient whose care fact needs attention by a day."""

    recipient: Recipient
    what: str
    due: dt.date


def _in_force(user: User, programme: str) -> QuerySet[Recipient]:
    return Recipient.objects.filter(
        in_area(user, "region_code"),
        status__in=PAID_RECIPIENT_STATUSES,
        programme=programme,
        person__isnull=False,
    )


def _listed(recipients: QuerySet[Recipient]) -> QuerySet[Recipient]:
    """With what a worklist line shows (and a child's birth date): not the case's long
    texts, nor the person's sealed ID number and phone."""
    return recipients.select_related("case", "person").only(
        "household",
        "person__name",
        "person__birth_date",
        "programme",
        "case__number",
    )


def _tekun_due(user: User, today: dt.date) -> QuerySet[Recipient]:
    """Tekun recipients without a self-care assessment, or whose assessment falls due
    within a month (or is overdue), soonest first."""
    return (
        _in_force(user, Programme.TEKUN)
        .annotate(reassess_by=reassessment_due("person"))
        .filter(Q(reassess_by__isnull=True) | Q(reassess_by__lte=add_months(today, 1)))
        .order_by(F("reassess_by").asc(nulls_first=True), "pk")
    )


def _children_due(user: User, today: dt.date) -> list[CareDue]:
    """Children whose support ends (18th birthday, or end of school) within the reminder
    months; a child still at school past 18 is checked against the recorded school end."""
    care = Care.on(today)
    horizon = add_months(today, care.children_reminder_months)
    born_by = birthday(horizon, -care.children_max_age)
    listed = list(
        _listed(_in_force(user, Programme.CHILDREN)).filter(person__birth_date__lte=born_by)
    )
    facts = care_facts([r.person_id for r in listed if r.person_id])
    due = []
    for recipient in listed:
        assert recipient.person is not None
        ends = support_ends(recipient.person, facts[recipient.person.pk], today)
        if ends <= horizon:
            due.append(CareDue(recipient, "年满18周岁（或毕业）停止保障", ends))
    return due


def _tekun_due_first(user: User, today: dt.date, limit: int) -> dict[int, dt.date | None]:
    """The first `limit` recipients of `_tekun_due` in its order (by id, each with its due
    date): those never assessed first, found by a join that stops at `limit`, then those
    with an assessment falling due. Asked at once, the due date was computed three times
    for every tekun recipient of the town (2,300 at 1M households: 7-10 ms)."""
    in_force = _in_force(user, Programme.TEKUN)
    never = in_force.filter(~Exists(SelfCareAssessment.objects.filter(person=OuterRef("person"))))
    # The smallest ids taken here, not by ORDER BY id LIMIT: the database then walked the
    # recipients in id order, and tekun ones came after every dibao one (45,000 rows read).
    smallest = heapq.nsmallest(limit, never.values_list("pk", flat=True))
    first: dict[int, dt.date | None] = dict.fromkeys(smallest)
    if len(first) < limit:
        falling_due = (
            in_force.annotate(reassess_by=reassessment_due("person"))
            .filter(reassess_by__lte=add_months(today, 1))
            .order_by("reassess_by", "pk")
            .values_list("pk", "reassess_by")
        )
        first.update(falling_due[: limit - len(first)])
    return first


def care_due(user: User, today: dt.date, limit: int = 20) -> list[CareDue]:
    """The worklist: tekun reassessments due and children's support ending soon, in the
    user's area, soonest first (at most `limit`)."""
    due = _children_due(user, today)
    # The first `limit` are found on the recipients alone, then only they are joined with
    # their case and person (the join of every due recipient of a town cost 100 ms at 1M).
    first = _tekun_due_first(user, today, limit)
    for recipient in _listed(Recipient.objects.filter(pk__in=first)):
        when = first[recipient.pk]
        what = "生活自理能力评估到期" if when else "未录入生活自理能力评估"
        due.append(CareDue(recipient, what, when or today))
    due.sort(key=lambda line: (line.due, line.recipient.pk))
    return due[:limit]


def care_due_count(user: User, today: dt.date) -> int:
    return _tekun_due(user, today).count() + len(_children_due(user, today))


@dataclass
class PersonCare:
    """One person's care facts for the care page: the history with each assessment's level."""

    history: CareHistory
    levels: list[tuple[SelfCareAssessment, str]]
    support_ends: dt.date | None  # a child's: the first day no longer paid


def person_care(person: Person, today: dt.date) -> PersonCare:
    history = care_history(person.pk)
    levels = [
        (assessment, CARE_LABELS[Care.on(assessment.assessed_on).level(assessment.unable_count)])
        for assessment in history.assessments
    ]
    facts = care_facts([person.pk])[person.pk]
    ends = support_ends(person, facts, today) if facts.child is not None else None
    return PersonCare(history, levels, ends)


CARE_SECTION = "特困供养与困境儿童信息"


def _facts_lines(facts: CareFacts) -> list[str]:
    lines = []
    if facts.assessment is not None:
        level = CARE_LABELS[Care.on(facts.assessment.assessed_on).level(facts.adl_unable)]
        lines.append(
            f"生活自理能力：{level}（{facts.adl_unable}项不能完成），"
            f"下次评估期限{facts.assessment.reassess_by:%Y年%m月%d日}"
        )
    if facts.arrangement is not None:
        where = facts.arrangement.institution.name if facts.arrangement.institution else ""
        lines.append(f"{facts.arrangement.get_mode_display()}{('：' + where) if where else ''}")
    if facts.supporters:
        able = [s.supporter_name for s in facts.supporters if s.able]
        lines.append(
            "法定义务人：" + ("、".join(able) + "具备履行能力" if able else "均无履行能力")
        )
    if facts.child is not None:
        guardian = f"，监护人{facts.child.guardian.name}" if facts.child.guardian else ""
        lines.append(f"{facts.child.get_category_display()}{guardian}")
    return lines or ["尚未录入"]


def household_entries(user: User, household: Household) -> list[Entry]:
    """Each current member's care facts on the household file, linked to their page."""
    # The household file has its memberships and their persons loaded already: no query.
    prefetch_related_objects([household], "memberships__person")
    members = sorted(
        (m for m in household.memberships.all() if m.end_date is None), key=lambda m: m.pk
    )
    facts = care_facts([m.person_id for m in members])
    return [
        Entry(
            "",
            m.person.name,
            reverse("cases:person_care", args=[household.pk, m.person_id]),
            _facts_lines(facts[m.person_id]),
            section=CARE_SECTION,
        )
        for m in members
    ]
