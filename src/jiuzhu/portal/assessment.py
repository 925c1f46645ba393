"""Self-assessment: a few plain answers turned into the policy calculator's household, and
its verdicts with the calculator's own explanation (which programmes may apply and why).
Nothing is stored: the answers are the applicant's, not a record."""

from dataclasses import dataclass

from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.policy.calculator.results import ProgrammeResult
from jiuzhu.policy.calculator.run import calculate
from jiuzhu.policy.household import AssetIn, HouseholdIn, IncomeIn, MemberIn
from jiuzhu.registry.models import AssetKind, IncomeCategory

MAX_MEMBERS = 6


@dataclass
class PersonAnswer:
    age: int
    disability_grade: int = 0
    serious_illness: bool = False
    labour_capacity: str = "full"


@dataclass
class Answers:
    area_type: str
    members: list[PersonAnswer]
    monthly_income_yuan: int = 0
    deposits_yuan: int = 0
    has_car: bool = False
    emergency: bool = False
    emergency_expense_yuan: int = 0


def _fen(yuan: int, what: str) -> int:
    if yuan < 0:
        raise DomainError(f"{what}不能为负数。")
    return yuan * 100


def assess(answers: Answers) -> list[ProgrammeResult]:
    """The calculator's verdict per programme for the household described."""
    if not answers.members:
        raise DomainError("请至少填写一位共同生活的家庭成员的年龄。")
    if len(answers.members) > MAX_MEMBERS:
        raise DomainError(f"家庭成员最多填写{MAX_MEMBERS}人。")
    for member in answers.members:
        if not 0 <= member.age <= 120:
            raise DomainError("年龄应在0到120岁之间。")
    household = HouseholdIn(
        month=timezone.localdate().replace(day=1),
        area_type=answers.area_type,
        members=[
            MemberIn(
                age=m.age,
                disability_grade=m.disability_grade,
                serious_illness=m.serious_illness,
                labour_capacity=m.labour_capacity,
            )
            for m in answers.members
        ],
        incomes=[IncomeIn(IncomeCategory.WAGES, _fen(answers.monthly_income_yuan, "收入"))]
        if answers.monthly_income_yuan
        else [],
        assets=[
            *(
                [AssetIn(AssetKind.DEPOSIT, value_fen=_fen(answers.deposits_yuan, "存款"))]
                if answers.deposits_yuan
                else []
            ),
            *([AssetIn(AssetKind.VEHICLE)] if answers.has_car else []),
        ],
        temporary_kind="emergency" if answers.emergency else "",
        temporary_expense_fen=_fen(answers.emergency_expense_yuan, "急难支出"),
    )
    return calculate(household).results
