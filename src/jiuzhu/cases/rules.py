"""The policy's procedural rules as the case workflow needs them.

Numbers (deadlines, notice days, limits, review intervals, spot-check share) are dated
parameters of the policy engine; amounts come from its formulas. This module only asks.
"""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Count, Q

from jiuzhu.cases.models import (
    ACTIVE_RECIPIENT_STATUSES,
    Case,
    Recipient,
    RecipientStatus,
    ReviewClass,
    SchoolStage,
    term_label,
)
from jiuzhu.core import idnumber
from jiuzhu.core.money import format_yuan, to_fen, to_yuan
from jiuzhu.core.months import add_months
from jiuzhu.core.programmes import Programme
from jiuzhu.policy.accessors import Procedure, education_term_fen
from jiuzhu.policy.entitlements import Claim, CurrentRecipient, Entitlement, temporary_limit
from jiuzhu.policy.entitlements import entitlement as policy_entitlement
from jiuzhu.registry.models import Household, Income, IncomeCategory, LabourCapacity, Membership

# The home-visit form (入户调查表): what two staff check in the home.
HOME_VISIT_CHECKLIST: dict[str, str] = {
    "members_confirmed": "核实共同生活家庭成员",
    "housing_checked": "查看住房及居住条件",
    "income_sources": "了解收入来源与就业情况",
    "assets_checked": "查看车辆、存款、经营等财产",
    "health_checked": "了解成员健康、残疾和劳动能力",
    "neighbours_asked": "走访邻里、村（居）民委员会",
}

_COMMON = ["户口簿", "身份证", "家庭成员、收入和财产申报", "承诺书", "家庭经济状况核对授权书"]
CHECKLISTS: dict[str, list[str]] = {
    Programme.DIBAO: [*_COMMON, "残疾证、病历（如有）"],
    Programme.TEKUN: [*_COMMON, "无劳动能力证明（残疾证、年龄）", "生活自理能力评估"],
    Programme.CHILDREN: ["户口簿", "儿童身份证明", "父母死亡、失踪、重残、重病或服刑等证明"],
    Programme.EDUCATION: ["户口簿", "身份证", "在校证明"],
    Programme.MEDICAL: ["户口簿", "身份证", "病历、医疗费用票据与医保结算单"],
    Programme.TEMPORARY: ["户口簿", "身份证", "事故、灾害、疾病等证明或费用票据", "承诺书"],
    Programme.CHARITY: ["户口簿", "身份证", "困难情况说明"],
    Programme.DISABILITY: ["户口簿", "身份证", "残疾证"],
    Programme.ELDERLY: ["户口簿", "身份证"],
}

# Programmes given to one person rather than the household.
PERSONAL_PROGRAMMES = {
    Programme.TEKUN,
    Programme.CHILDREN,
    Programme.DISABILITY,
    Programme.ELDERLY,
    Programme.EDUCATION,
    Programme.MEDICAL,
}
# Programmes whose decision is announced for 7 days and which need a means check.
NOTICE_PROGRAMMES = {Programme.DIBAO, Programme.TEKUN}
COMMUNITY_REVIEW_PROGRAMMES = {Programme.DIBAO}
VERIFIED_PROGRAMMES = {Programme.DIBAO, Programme.TEKUN, Programme.TEMPORARY}


def checklist_for(programme: str) -> list[str]:
    return CHECKLISTS.get(programme, _COMMON)


def programme_is_personal(programme: str) -> bool:
    return programme in PERSONAL_PROGRAMMES


def needs_community_review(programme: str) -> bool:
    return programme in COMMUNITY_REVIEW_PROGRAMMES


def needs_economic_verification(programme: str) -> bool:
    return programme in VERIFIED_PROGRAMMES


def needs_public_notice(case: Case) -> bool:
    """Whether the decision is announced for the notice days (dibao, tekun of adults)."""
    if case.programme not in NOTICE_PROGRAMMES:
        return False
    # Tekun decisions about minors are not announced (特困人员认定办法).
    if case.programme == Programme.TEKUN and case.beneficiary is not None:
        return idnumber.age_on(case.beneficiary.birth_date, dt.date.today()) >= 18
    return True


def decision_deadline_working_days(on: dt.date) -> int:
    return Procedure.on(on).decision_working_days


def notice_days(on: dt.date) -> int:
    return Procedure.on(on).notice_days


def advance_aid_hours(on: dt.date) -> int:
    return Procedure.on(on).advance_aid_hours


def spot_check_share(on: dt.date) -> Decimal:
    return Procedure.on(on).spot_check_share


# Households per grouped query of the set-based rules: IN lists the drivers take.
CHUNK = 10_000
# Income that does not come every month: its household is reviewed more often (class C).
IRREGULAR_INCOME = (IncomeCategory.BUSINESS, IncomeCategory.OTHER)


def classify_for_review(able_to_work: int, severe: int, irregular_income: bool) -> ReviewClass:
    """A: no member able to work, or a seriously ill or grade 1-2 disabled member; C: members
    able to work with irregular income; B: the rest (docs/policy/dibao.md#review, 动态管理)."""
    if not able_to_work or severe:
        return ReviewClass.A
    return ReviewClass.C if irregular_income else ReviewClass.B


def review_class(household: Household) -> ReviewClass:
    """The household's review class, from its current members and declared incomes."""
    members = [
        m.person
        for m in household.memberships.filter(end_date__isnull=True).select_related("person")
    ]
    able = sum(1 for p in members if p.labour_capacity == LabourCapacity.FULL)
    severe = sum(1 for p in members if p.serious_illness or 1 <= p.disability_grade <= 2)
    irregular = household.incomes.filter(category__in=IRREGULAR_INCOME).exists()
    return classify_for_review(able, severe, irregular)


def review_classes(household_ids: Sequence[int]) -> dict[int, ReviewClass]:
    """`review_class` for many households at once (bulk writers): two grouped queries per
    ten thousand households."""
    counts: dict[int, tuple[int, int]] = {}
    irregular: set[int] = set()
    for start in range(0, len(household_ids), CHUNK):
        part = list(household_ids[start : start + CHUNK])
        members = (
            Membership.objects.filter(end_date__isnull=True, household_id__in=part)
            .values("household_id")
            .annotate(
                able=Count("pk", filter=Q(person__labour_capacity=LabourCapacity.FULL)),
                severe=Count(
                    "pk",
                    filter=Q(person__serious_illness=True)
                    | Q(person__disability_grade__gte=1, person__disability_grade__lte=2),
                ),
            )
            .values_list("household_id", "able", "severe")
        )
        counts.update({household: (able, severe) for household, able, severe in members})
        irregular.update(
            Income.objects.filter(category__in=IRREGULAR_INCOME, household_id__in=part)
            .values_list("household_id", flat=True)
            .distinct()
        )
    return {
        household: classify_for_review(*counts.get(household, (0, 0)), household in irregular)
        for household in household_ids
    }


def review_interval_months(class_code: str, area_type: str, on: dt.date) -> int:
    """Months between periodic reviews of a household of this class and area."""
    return Procedure.on(on).review_interval_months(class_code, area_type)


def next_review(household: Household, class_code: str, today: dt.date) -> dt.date:
    """The next periodic review of a household of this class, from today."""
    return add_months(today, review_interval_months(class_code, household.area_type, today))


def entitlement(case: Case, month: dt.date) -> Entitlement:
    """Eligibility and amount of this case's programme for `month`, from the policy engine."""
    # Dibao and tekun exclude each other for one person: tekun members leave the dibao unit.
    tekun = Recipient.objects.filter(
        household=case.household,
        programme=Programme.TEKUN,
        status__in=ACTIVE_RECIPIENT_STATUSES,
        person__isnull=False,
    ).exclude(case=case)
    recipient = getattr(case, "recipient", None)
    current = (
        CurrentRecipient(
            monthly_fen=to_fen(recipient.monthly_amount),
            in_phase_out=recipient.status == RecipientStatus.PHASE_OUT,
            phase_out_until=recipient.phase_out_until,
        )
        if recipient is not None
        else None
    )
    claim = Claim(
        programme=case.programme,
        beneficiary_id=case.beneficiary_id,
        single_person_unit=case.single_person_unit,
        temporary_kind=case.temporary_kind,
        temporary_expense_fen=to_fen(case.temporary_expense or Decimal("0")),
        current=current,
        tekun_person_ids=frozenset(tekun.values_list("person_id", flat=True)),
    )
    result = policy_entitlement(case.household, claim, month)
    if case.programme == Programme.EDUCATION and result.eligible and case.school_term:
        # Paid per term: the amount of the student's stage in force on the term's 1st day.
        amount = to_yuan(education_term_fen(case.school_term, case.school_stage))
        result.one_off_amount = amount
        result.summary = (
            f"{term_label(case.school_term)}{SchoolStage(case.school_stage).label}教育救助"
            f"{format_yuan(amount, fen=False)}元"
        )
    return result


def advance_aid_limit(case: Case, on: dt.date) -> Decimal:
    return temporary_limit(case.household, on)
