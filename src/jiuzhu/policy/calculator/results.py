"""What the calculator answers: a result per programme, explained in sections."""

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from jiuzhu.core.errors import DomainError
from jiuzhu.core.money import format_yuan as yuan
from jiuzhu.core.money import to_yuan
from jiuzhu.core.programmes import Programme
from jiuzhu.policy.household import HouseholdIn

CALCULATED = [
    Programme.DIBAO,
    Programme.TEKUN,
    Programme.CHILDREN,
    Programme.TEMPORARY,
    Programme.DISABILITY,
    Programme.ELDERLY,
    Programme.MEDICAL,
    Programme.EDUCATION,
]


# The status of a programme's result (the API's `status`): eligible, paid in its phase-out
# after income rose above the line, or not eligible.
ELIGIBLE, PHASE_OUT, NOT_ELIGIBLE = "eligible", "phase_out", "not_eligible"
STATUS_LABELS = {ELIGIBLE: "符合条件", PHASE_OUT: "渐退期（继续发放）", NOT_ELIGIBLE: "不符合条件"}


@dataclass
class Beneficiary:
    member: int
    name: str
    monthly_fen: int
    note: str = ""


@dataclass
class ProgrammeResult:
    programme: str
    label: str
    eligible: bool
    monthly_fen: int
    one_off_fen: int | None
    reason: str
    summary: str
    beneficiaries: list[Beneficiary] = field(default_factory=list)
    phase_out: bool = False

    @property
    def status(self) -> str:
        """One clear status: a household in its phase-out is paid, not "not eligible"."""
        if self.phase_out:
            return PHASE_OUT
        return ELIGIBLE if self.eligible else NOT_ELIGIBLE

    @property
    def monthly_amount(self) -> Decimal:
        return to_yuan(self.monthly_fen)

    @property
    def one_off_amount(self) -> Decimal | None:
        return None if self.one_off_fen is None else to_yuan(self.one_off_fen)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (amounts as strings in yuan)."""
        return {
            "programme": self.programme,
            "label": self.label,
            "status": self.status,
            "status_label": STATUS_LABELS[self.status],
            "monthly_amount": str(self.monthly_amount),
            "one_off_amount": None if self.one_off_amount is None else str(self.one_off_amount),
            "reason": self.reason,
            "summary": self.summary,
            "beneficiaries": [
                {
                    "member": b.member,
                    "name": b.name,
                    "monthly_amount": str(to_yuan(b.monthly_fen)),
                    "note": b.note,
                }
                for b in self.beneficiaries
            ],
        }


def per_person_result(
    programme: Programme,
    beneficiaries: list[Beneficiary],
    total_fen: int,
    counted: str,
    nobody: str,
) -> ProgrammeResult:
    """The result of a programme paid per person: `counted` says how many (formatted with
    {count} and {total}), `nobody` why no one is."""
    return ProgrammeResult(
        programme,
        programme.label,
        bool(beneficiaries),
        total_fen,
        None,
        "eligible" if beneficiaries else "not_eligible",
        counted.format(count=len(beneficiaries), total=yuan(total_fen))
        if beneficiaries
        else nobody,
        beneficiaries,
    )


@dataclass
class Section:
    title: str
    lines: list[str]


@dataclass
class Calculation:
    household: HouseholdIn
    results: list[ProgrammeResult]
    means_test: dict[str, Any]
    explanation: list[Section]
    parameters: list[dict[str, Any]]

    def result(self, programme: str) -> ProgrammeResult:
        for r in self.results:
            if r.programme == programme:
                return r
        raise KeyError(programme)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (amounts as strings in yuan)."""
        return {
            "month": self.household.month.isoformat(),
            "area_type": self.household.area_type,
            "members": len(self.household.members),
            "results": [r.as_dict() for r in self.results],
            "means_test": self.means_test,
            "explanation": [asdict(s) for s in self.explanation],
            "parameters": self.parameters,
        }


def check_programmes(programmes: list[str] | None) -> list[str]:
    """The programmes asked for, in the calculator's order (all when none are named); a
    programme the platform does not calculate is refused in Chinese."""
    if not programmes:
        return list(CALCULATED)
    unknown = [name for name in programmes if name not in Programme.values]
    if unknown:
        raise DomainError(f"未知的救助项目：{'、'.join(unknown)}。", field="programmes")
    not_here = [name for name in programmes if name not in CALCULATED]
    if not_here:
        raise DomainError(
            f"{Programme(not_here[0]).label}由慈善组织个案决定，平台不测算金额。",
            field="programmes",
        )
    return [name for name in CALCULATED if name in programmes]


@dataclass
class StoredCalculation:
    """A calculation stored with a case (`Calculation.as_dict`), as its page shows it."""

    status_label: str
    summary: str
    sections: list[Section]


def stored_calculation(stored: dict[str, Any], programme: str) -> StoredCalculation | None:
    """The stored calculation's result for `programme` and its explanation; None when the
    case has none."""
    result = next((r for r in stored.get("results", []) if r["programme"] == programme), None)
    if result is None:
        return None
    status = result.get("status") or (  # stored before results had one status
        PHASE_OUT if result.get("phase_out") else ELIGIBLE if result["eligible"] else NOT_ELIGIBLE
    )
    sections = [Section(s["title"], s["lines"]) for s in stored.get("explanation", [])]
    return StoredCalculation(STATUS_LABELS[status], result["summary"], sections)
