"""Demo data for education aid: in the first town with an assistant and an approver, the
town confirms students from this term's list of tekun, dibao and edge households; the
first application is signed, investigated and approved (its term's amount is a line of the
next month's payroll), the second waits for the family's commitment. Everything goes
through the services, as a town would."""

from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jiuzhu.cases import services
from jiuzhu.cases.models import Case, DocumentKind, term_of
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.demo.accounts import accepted_visited_approved, town_pair
from jiuzhu.outreach import education
from jiuzhu.payments.models import BankAccount

STUDENTS = 2


@dataclass
class EducationDemo:
    opened: int = 0
    approved: int = 0


def _paid_to_applicant(proposal: education.Proposal) -> bool:
    """Only students whose family has an approved account: the approved aid is paid."""
    return BankAccount.objects.filter(household_id=proposal.household_id, valid=True).exists()


def _signed_and_approved(case: Case, assistant: User, approver: User) -> None:
    services.add_documents(
        assistant,
        case,
        [
            (
                DocumentKind.COMMITMENT,
                SimpleUploadedFile("承诺书.pdf", b"%PDF-1.4 signed", "application/pdf"),
            )
        ],
    )
    case.refresh_from_db()
    accepted_visited_approved(
        assistant, approver, case, "学生在校就读，学籍信息与申请一致；家庭为在保困难家庭。"
    )


def seed_demo() -> EducationDemo:
    """This term's education aid in the first town that has students to propose."""
    term = term_of(timezone.localdate())
    made = EducationDemo()
    for town in Region.objects.filter(level=RegionLevel.TOWN).order_by("code"):
        pair = town_pair(town)
        if pair is None:
            continue
        chosen = [p for p in education.proposals(pair[0], term) if _paid_to_applicant(p)]
        chosen = chosen[:STUDENTS]
        if len(chosen) < STUDENTS:
            continue
        cases = education.confirm(pair[0], term, {p.person_id: p.stage for p in chosen})
        made.opened = len(cases)
        _signed_and_approved(cases[0], *pair)
        made.approved = 1
        break
    return made
