"""Each case transition bound to its form and its service, once: the case page offers the
form of every transition the user may take (labels and rules: workflow.py) and runs the
service with the form's arguments."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jiuzhu.cases import services
from jiuzhu.cases.forms import (
    ActionForm,
    AdvanceAidForm,
    CommentForm,
    CommunityReviewForm,
    HomeVisitForm,
    ObjectionForm,
    ReasonForm,
    RejectForm,
)
from jiuzhu.cases.models import Action, Case
from jiuzhu.core.models import User


@dataclass(frozen=True)
class Step:
    """A transition's form (None: a button without fields) and its service."""

    form: type[ActionForm] | None
    service: Callable[..., Any]

    def run(self, actor: User, case: Case, version: int, form: ActionForm | None) -> Any:
        """The service, as the actor, on the case read at `version`, with the form's values."""
        return self.service(actor, case, version, *(form.arguments() if form else []))


STEPS: dict[str, Step] = {
    Action.ACCEPT: Step(CommentForm, services.accept),
    Action.REFUSE_INTAKE: Step(ReasonForm, services.refuse_intake),
    Action.WITHDRAW: Step(ReasonForm, services.withdraw),
    Action.START_INVESTIGATION: Step(CommentForm, services.start_investigation),
    Action.RECORD_HOME_VISIT: Step(HomeVisitForm, services.record_home_visit),
    Action.REQUEST_VERIFICATION: Step(None, services.request_verification),
    Action.PAUSE: Step(ReasonForm, services.pause_clock),
    Action.RESUME: Step(CommentForm, services.resume_clock),
    Action.COMPLETE_INVESTIGATION: Step(CommentForm, services.complete_investigation),
    Action.RECORD_COMMUNITY_REVIEW: Step(CommunityReviewForm, services.record_community_review),
    Action.APPROVE: Step(CommentForm, services.approve),
    Action.COUNTY_APPROVE: Step(CommentForm, services.county_approve),
    Action.REJECT: Step(RejectForm, services.reject),
    Action.RECORD_OBJECTION: Step(ObjectionForm, services.record_objection),
    Action.CLOSE_NOTICE: Step(None, services.close_notice),
    Action.GRANT_ADVANCE_AID: Step(AdvanceAidForm, services.grant_advance_aid),
    Action.TERMINATE: Step(ReasonForm, services.terminate),
    Action.REVIEW: Step(ReasonForm, services.review),
    Action.SUSPEND: Step(ReasonForm, services.suspend),
    Action.REINSTATE: Step(CommentForm, services.reinstate),
}
