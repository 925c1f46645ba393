"""What an applicant may see of their own application: found only with the case number
and the applicant's full ID number together, and showing no staff names or other people."""

from dataclasses import dataclass

from jiuzhu.cases.models import Action, Case, CaseEvent, Notification
from jiuzhu.core import idnumber
from jiuzhu.registry.selectors import id_number_is

# Steps an applicant is shown; internal acts (uploads, spot checks) stay internal.
PUBLIC_STEPS = (
    Action.SUBMIT,
    Action.ACCEPT,
    Action.REFUSE_INTAKE,
    Action.START_INVESTIGATION,
    Action.RECORD_HOME_VISIT,
    Action.COMPLETE_INVESTIGATION,
    Action.RECORD_COMMUNITY_REVIEW,
    Action.APPROVE,
    Action.REJECT,
    Action.CLOSE_NOTICE,
    Action.GRANT_ADVANCE_AID,
    Action.REVIEW,
    Action.SUSPEND,
    Action.REINSTATE,
    Action.TERMINATE,
    Action.WITHDRAW,
)


@dataclass
class Progress:
    """What the progress page shows: the case, its public steps, the messages sent."""

    case: Case
    steps: list[CaseEvent]
    messages: list[Notification]


def progress_for(case_number: str, id_number: str) -> Progress | None:
    """The application with this number whose applicant has this full ID number, with
    the steps and messages the applicant may see; None when the pair does not match."""
    number = case_number.strip().upper()
    value = idnumber.normalise(id_number)
    if not number or not idnumber.is_valid(value):
        return None
    case = (
        Case.objects.filter(id_number_is(value, "applicant__"), number=number)
        .select_related("responsible_town")
        .first()
    )
    if case is None:
        return None
    steps = list(case.events.filter(action__in=PUBLIC_STEPS).order_by("at", "pk"))
    return Progress(case, steps, list(case.notifications.order_by("created_at", "pk")))
