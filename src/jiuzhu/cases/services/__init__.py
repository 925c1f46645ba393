"""Every write on a case: one function per act, in a transaction, with its event.

Each transition is checked against the table in workflow.py and applied with an optimistic
version check, so two staff acting at once cannot both succeed: the second is told the
case changed. Broken rules raise DomainError (Chinese); nothing is written then.

One module per concern: common (permission check, the move with its event), routing
(responsible town, case numbers), documents (uploads), intake, investigation, decision,
recipients (in force, review, suspension, end), spot_checks, verification_bridge. Callers
import from here: `from jiuzhu.cases import services; services.accept(...)`.
"""

from jiuzhu.cases.services.care import (
    assess_self_care,
    end_children_at_age_limit,
    record_child,
)
from jiuzhu.cases.services.common import (
    STALE,
    check_allowed,
    in_responsible_area,
    move,
    record_event,
    require_text,
    routed_away,
    taken_in_only,
)
from jiuzhu.cases.services.decision import (
    approve,
    barred_to_opener,
    close_notice,
    county_approve,
    grant_advance_aid,
    record_objection,
    reject,
)
from jiuzhu.cases.services.documents import (
    FILE_SIGNATURES,
    MAX_UPLOAD_BYTES,
    PreparedUpload,
    add_documents,
    prepare_upload,
    read_document,
    reseal_documents,
    store_upload,
    upload_root,
)
from jiuzhu.cases.services.intake import (
    ApplicationInput,
    Hardship,
    Schooling,
    SignedAuthorisation,
    accept,
    attach_authorisation,
    refuse_intake,
    submit_application,
    withdraw,
)
from jiuzhu.cases.services.investigation import (
    HomeVisitInput,
    complete_investigation,
    pause_clock,
    record_community_review,
    record_home_visit,
    resume_clock,
    start_investigation,
)
from jiuzhu.cases.services.recipients import (
    covered,
    members_covered,
    members_covered_by_household,
    put_in_force,
    recipient_of,
    reinstate,
    review,
    suspend,
    terminate,
)
from jiuzhu.cases.services.routing import (
    ADVANCE_AID_PREFIX,
    APPLICATION_PREFIX,
    STEM_LENGTH,
    case_number,
    intake_region_of,
    last_sequences,
    next_number,
    number_stem,
    route,
    town_of,
)
from jiuzhu.cases.services.spot_checks import record_spot_check, select_spot_checks
from jiuzhu.cases.services.supervision import request_review
from jiuzhu.cases.services.verification_bridge import (
    check_case_authorisation,
    record_case_authorisation,
    request_verification,
)

__all__ = [
    "ADVANCE_AID_PREFIX",
    "APPLICATION_PREFIX",
    "FILE_SIGNATURES",
    "MAX_UPLOAD_BYTES",
    "STALE",
    "STEM_LENGTH",
    "ApplicationInput",
    "Hardship",
    "HomeVisitInput",
    "PreparedUpload",
    "Schooling",
    "SignedAuthorisation",
    "accept",
    "add_documents",
    "approve",
    "assess_self_care",
    "attach_authorisation",
    "barred_to_opener",
    "case_number",
    "check_allowed",
    "check_case_authorisation",
    "close_notice",
    "complete_investigation",
    "county_approve",
    "covered",
    "end_children_at_age_limit",
    "grant_advance_aid",
    "in_responsible_area",
    "intake_region_of",
    "last_sequences",
    "members_covered",
    "members_covered_by_household",
    "move",
    "next_number",
    "number_stem",
    "pause_clock",
    "prepare_upload",
    "put_in_force",
    "read_document",
    "recipient_of",
    "record_case_authorisation",
    "record_child",
    "record_community_review",
    "record_event",
    "record_home_visit",
    "record_objection",
    "record_spot_check",
    "refuse_intake",
    "reinstate",
    "reject",
    "request_review",
    "request_verification",
    "require_text",
    "reseal_documents",
    "resume_clock",
    "review",
    "route",
    "routed_away",
    "select_spot_checks",
    "start_investigation",
    "store_upload",
    "submit_application",
    "suspend",
    "taken_in_only",
    "terminate",
    "town_of",
    "upload_root",
    "withdraw",
]
