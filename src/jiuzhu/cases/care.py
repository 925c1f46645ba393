"""What tekun and the children's scheme ask of the recorded care facts (registry/care):
whether a case can be decided on them, when a child's support ends, and the worklist of
reassessments and 18th birthdays coming due (docs/policy/tekun.md#self-care,
docs/policy/other-programmes.md#children)."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from jiuzhu.cases.models import PAID_RECIPIENT_STATUSES, Case, Recipient
from jiuzhu.core.models import User
from jiuzhu.core.months import add_months
from jiuzhu.core.programmes import Programme
from jiuzhu.core.selectors import in_area
from jiuzhu.policy.accessors import Care
from jiuzhu.registry.care.selectors import CareFacts, care_facts
from jiuzhu.registry.models import Person

NO_ASSESSMENT = (
    "尚未录入生活自理能力评估，无法确定照料护理等级：请先在家庭档案中录入六项日常活动评估。"
)
NO_CHILD_RECORD = "尚未录入困境儿童认定（父母情况、证明材料和监护人），不能审核确认。"


def birthday(born: dt.date, years: int) -> dt.date:
    """The day a person born on `born` turns `years` (29 February: 1 March)."""
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
    return (
        f"该儿童已于{limit:%Y年%m月%d日}年满18周岁，且未在全日制学校就读，不属于困境儿童保障范围。"
    )


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


def care_due(user: User, today: dt.date) -> list[CareDue]:
    """Tekun recipients whose self-care assessment falls due within a month (or is overdue),
    and children whose support ends (18th birthday or end of school) within the reminder
    months, in the user's area, soonest first."""
    care = Care.on(today)
    recipients: QuerySet[Recipient] = Recipient.objects.filter(
        in_area(user, "region_code"),
        status__in=PAID_RECIPIENT_STATUSES,
        programme__in=(Programme.TEKUN, Programme.CHILDREN),
        person__isnull=False,
    ).select_related("case", "person")
    listed = list(recipients)
    facts = care_facts([r.person_id for r in listed if r.person_id])
    due: list[CareDue] = []
    for recipient in listed:
        assert recipient.person is not None
        own = facts[recipient.person.pk]
        if recipient.programme == Programme.TEKUN:
            if own.assessment is None:
                due.append(CareDue(recipient, "未录入生活自理能力评估", today))
            elif own.assessment.reassess_by <= add_months(today, 1):
                due.append(CareDue(recipient, "生活自理能力评估到期", own.assessment.reassess_by))
            continue
        ends = support_ends(recipient.person, own, today)
        if ends <= add_months(today, care.children_reminder_months):
            due.append(CareDue(recipient, "年满18周岁（或毕业）停止保障", ends))
    due.sort(key=lambda line: (line.due, line.recipient.pk))
    return due
