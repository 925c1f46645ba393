"""The case workflow: the transition table (action, button label, from states, to state,
who may), over the actions named once in models.Action. One place, read by services (to
enforce), views (to offer buttons; cases/actions.py binds each action to its form and
service) and tests (to check every cell)."""

from dataclasses import dataclass

from jiuzhu.cases.models import Action, Status
from jiuzhu.core.roles import Role

TOWN_STAFF = frozenset({Role.TOWN_ASSISTANT, Role.TOWN_APPROVER})
INTAKE_STAFF = TOWN_STAFF | {Role.VILLAGE_COORDINATOR}
INVESTIGATORS = frozenset({Role.TOWN_ASSISTANT, Role.VILLAGE_COORDINATOR, Role.SOCIAL_WORKER})
DECIDERS = frozenset({Role.TOWN_APPROVER})
# Advance aid pays money at once: granted by the approving role (the town's approver or the
# county), never by whoever opened it (services.grant_advance_aid refuses the opener).
ADVANCE_GRANTERS = DECIDERS | {Role.COUNTY_ADMIN}


# Actions of the investigation: whoever took one may not decide the case.
INVESTIGATION_ACTIONS = (
    Action.START_INVESTIGATION,
    Action.RECORD_HOME_VISIT,
    Action.COMPLETE_INVESTIGATION,
)


@dataclass(frozen=True)
class Transition:
    action: Action
    # What the button on the case page says (the history shows the action's label).
    label: str
    sources: tuple[Status, ...]
    # None: the service chooses among `targets` (e.g. notice or straight in force).
    target: Status | None
    # Only staff of the town responsible may act: intake may be at any town (全县通办),
    # but the case is then routed and the intake town only follows its progress.
    roles: frozenset[str]


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(Action.ACCEPT, "受理", (Status.SUBMITTED,), Status.ACCEPTED, TOWN_STAFF),
        Transition(
            Action.REFUSE_INTAKE, "不予受理", (Status.SUBMITTED,), Status.REFUSED, TOWN_STAFF
        ),
        Transition(
            Action.START_INVESTIGATION,
            "开始调查",
            (Status.ACCEPTED,),
            Status.INVESTIGATING,
            INVESTIGATORS | TOWN_STAFF,
        ),
        Transition(
            Action.RECORD_HOME_VISIT,
            "登记入户调查",
            (Status.INVESTIGATING,),
            Status.INVESTIGATING,
            INVESTIGATORS,
        ),
        Transition(
            Action.REQUEST_VERIFICATION,
            "发起家庭经济状况核对",
            (Status.INVESTIGATING,),
            Status.INVESTIGATING,
            TOWN_STAFF,
        ),
        Transition(
            Action.PAUSE,
            "暂停计时（等待补充材料）",
            (Status.ACCEPTED, Status.INVESTIGATING),
            None,
            TOWN_STAFF | {Role.VILLAGE_COORDINATOR},
        ),
        Transition(
            Action.RESUME,
            "恢复计时",
            (Status.ACCEPTED, Status.INVESTIGATING),
            None,
            TOWN_STAFF | {Role.VILLAGE_COORDINATOR},
        ),
        Transition(
            Action.COMPLETE_INVESTIGATION,
            "调查完成",
            (Status.INVESTIGATING,),
            None,
            frozenset({Role.TOWN_ASSISTANT}),
        ),
        Transition(
            Action.RECORD_COMMUNITY_REVIEW,
            "登记民主评议",
            (Status.COMMUNITY_REVIEW,),
            Status.DECIDING,
            frozenset({Role.TOWN_ASSISTANT, Role.VILLAGE_COORDINATOR}),
        ),
        Transition(Action.APPROVE, "审核确认：批准", (Status.DECIDING,), None, DECIDERS),
        # Temporary aid above the town's limit (docs/policy/other-programmes.md#temporary).
        Transition(
            Action.COUNTY_APPROVE,
            "县级审批：批准临时救助（超乡镇权限）",
            (Status.DECIDING,),
            Status.IN_FORCE,
            frozenset({Role.COUNTY_ADMIN}),
        ),
        Transition(
            Action.REJECT, "审核确认：不予批准", (Status.DECIDING,), Status.REJECTED, DECIDERS
        ),
        Transition(
            Action.RECORD_OBJECTION,
            "登记公示异议",
            (Status.NOTICE,),
            None,
            TOWN_STAFF | {Role.VILLAGE_COORDINATOR},
        ),
        Transition(
            Action.CLOSE_NOTICE, "公示期满，生效", (Status.NOTICE,), Status.IN_FORCE, TOWN_STAFF
        ),
        Transition(
            Action.GRANT_ADVANCE_AID,
            "先行救助：批准并发放",
            (Status.ACCEPTED, Status.INVESTIGATING),
            Status.IN_FORCE,
            ADVANCE_GRANTERS,
        ),
        Transition(
            Action.WITHDRAW,
            "申请人撤回",
            (Status.SUBMITTED, Status.ACCEPTED, Status.INVESTIGATING),
            Status.WITHDRAWN,
            TOWN_STAFF,
        ),
        Transition(Action.TERMINATE, "停止救助", (Status.IN_FORCE,), Status.ENDED, DECIDERS),
        Transition(Action.REVIEW, "复核（重新计算金额）", (Status.IN_FORCE,), None, TOWN_STAFF),
        Transition(Action.SUSPEND, "暂停发放", (Status.IN_FORCE,), Status.IN_FORCE, DECIDERS),
        Transition(Action.REINSTATE, "恢复发放", (Status.IN_FORCE,), Status.IN_FORCE, DECIDERS),
    ]
}


def allowed_actions(status: str, role: str) -> list[Transition]:
    """The transitions a role may take from a status, in the table's order."""
    return [t for t in TRANSITIONS.values() if status in t.sources and role in t.roles]
