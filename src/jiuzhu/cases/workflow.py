"""The transition table: (action, from states, to state, who may). One place, read by
services (to enforce), views (to offer buttons) and tests (to check every cell)."""

from dataclasses import dataclass

from jiuzhu.cases.models import Status
from jiuzhu.core.roles import Role

TOWN_STAFF = frozenset({Role.TOWN_ASSISTANT, Role.TOWN_APPROVER})
INTAKE_STAFF = TOWN_STAFF | {Role.VILLAGE_COORDINATOR}
INVESTIGATORS = frozenset({Role.TOWN_ASSISTANT, Role.VILLAGE_COORDINATOR, Role.SOCIAL_WORKER})
DECIDERS = frozenset({Role.TOWN_APPROVER})


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[Status, ...]
    # None: the service chooses among `targets` (e.g. notice or straight in force).
    target: Status | None
    roles: frozenset[str]
    # Only staff of the responsible town may act (intake may be anywhere).
    responsible_only: bool = True


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("accept", "受理", (Status.SUBMITTED,), Status.ACCEPTED, TOWN_STAFF, False),
        Transition(
            "refuse_intake", "不予受理", (Status.SUBMITTED,), Status.REFUSED, TOWN_STAFF, False
        ),
        Transition(
            "start_investigation",
            "开始调查",
            (Status.ACCEPTED,),
            Status.INVESTIGATING,
            INVESTIGATORS | TOWN_STAFF,
        ),
        Transition(
            "record_home_visit",
            "登记入户调查",
            (Status.INVESTIGATING,),
            Status.INVESTIGATING,
            INVESTIGATORS,
        ),
        Transition(
            "request_verification",
            "发起家庭经济状况核对",
            (Status.INVESTIGATING,),
            Status.INVESTIGATING,
            TOWN_STAFF,
        ),
        Transition(
            "pause",
            "暂停计时（等待补充材料）",
            (Status.ACCEPTED, Status.INVESTIGATING),
            None,
            TOWN_STAFF | {Role.VILLAGE_COORDINATOR},
        ),
        Transition(
            "resume",
            "恢复计时",
            (Status.ACCEPTED, Status.INVESTIGATING),
            None,
            TOWN_STAFF | {Role.VILLAGE_COORDINATOR},
        ),
        Transition(
            "complete_investigation",
            "调查完成",
            (Status.INVESTIGATING,),
            None,
            frozenset({Role.TOWN_ASSISTANT}),
        ),
        Transition(
            "record_community_review",
            "登记民主评议",
            (Status.COMMUNITY_REVIEW,),
            Status.DECIDING,
            frozenset({Role.TOWN_ASSISTANT, Role.VILLAGE_COORDINATOR}),
        ),
        Transition("approve", "审核确认：批准", (Status.DECIDING,), None, DECIDERS),
        Transition("reject", "审核确认：不予批准", (Status.DECIDING,), Status.REJECTED, DECIDERS),
        Transition(
            "record_objection",
            "登记公示异议",
            (Status.NOTICE,),
            None,
            TOWN_STAFF | {Role.VILLAGE_COORDINATOR},
        ),
        Transition("close_notice", "公示期满，生效", (Status.NOTICE,), Status.IN_FORCE, TOWN_STAFF),
        Transition(
            "grant_advance_aid",
            "先行救助：批准并发放",
            (Status.ACCEPTED, Status.INVESTIGATING),
            Status.IN_FORCE,
            TOWN_STAFF,
        ),
        Transition(
            "withdraw",
            "申请人撤回",
            (Status.SUBMITTED, Status.ACCEPTED, Status.INVESTIGATING),
            Status.WITHDRAWN,
            TOWN_STAFF,
            False,
        ),
        Transition("terminate", "停止救助", (Status.IN_FORCE,), Status.ENDED, DECIDERS),
        Transition("review", "复核（重新计算金额）", (Status.IN_FORCE,), None, TOWN_STAFF),
        Transition("suspend", "暂停发放", (Status.IN_FORCE,), Status.IN_FORCE, DECIDERS),
        Transition("reinstate", "恢复发放", (Status.IN_FORCE,), Status.IN_FORCE, DECIDERS),
    ]
}


def allowed_actions(status: str, role: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources and role in t.roles]
