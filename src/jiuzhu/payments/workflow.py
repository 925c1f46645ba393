"""The payroll's transition table: (action, Chinese label, from states, to state, who may).
One place, read by the services (to enforce), the detail page (to offer buttons) and the
tests. A payroll is prepared (services.prepare_payroll), checked, approved — and then
locked for good — or discarded before approval; an approved payroll's lines go to the
banks as payment files and come back as the banks' results."""

from dataclasses import dataclass

from django.db import models

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.roles import Capability
from jiuzhu.payments.models import Payroll, PayrollStatus

LOCKED = "该发放名册已审批锁定，不能修改；更正请在下月名册中处理。"
MAKER_CHECKER = "名册生成人不能审批自己生成的名册（审批与经办分离）。"
UNLOCKED = (PayrollStatus.PREPARED, PayrollStatus.CHECKED)


class PayrollAction(models.TextChoices):
    CHECK = "check", "审查（核对差异）"
    APPROVE = "approve", "审批并锁定"
    DISCARD = "discard", "作废"
    FILE = "file", "生成发放文件"
    RESULTS = "results", "导入回盘"


@dataclass(frozen=True)
class Transition:
    action: PayrollAction
    service: str  # the function of services/files that takes it
    sources: tuple[PayrollStatus, ...]
    target: PayrollStatus | None  # None: the state stays (or the payroll is removed)
    capability: Capability
    refusal: str  # said when the payroll is in none of the sources
    preparer_may: bool = True  # False: maker-checker, the preparer may not

    @property
    def label(self) -> str:
        return str(self.action.label)

    @property
    def on_locked(self) -> bool:
        """The action is for approved (locked) payrolls, not for those still open."""
        return PayrollStatus.APPROVED in self.sources


TRANSITIONS: dict[str, Transition] = {
    transition.action.value: transition
    for transition in [
        Transition(
            PayrollAction.CHECK,
            "services.check_payroll",
            UNLOCKED,
            PayrollStatus.CHECKED,
            Capability.CHECK_PAYROLL,
            LOCKED,
        ),
        Transition(
            PayrollAction.APPROVE,
            "services.approve_payroll",
            (PayrollStatus.CHECKED,),
            PayrollStatus.APPROVED,
            Capability.APPROVE_PAYROLL,
            "名册须先审查（核对合计与上月差异）后方可审批。",
            preparer_may=False,
        ),
        Transition(
            PayrollAction.DISCARD,
            "services.discard_payroll",
            UNLOCKED,
            None,
            Capability.PREPARE_PAYROLL,
            LOCKED,
        ),
        Transition(
            PayrollAction.FILE,
            "files.make_payment_file",
            (PayrollStatus.APPROVED,),
            None,
            Capability.PREPARE_PAYROLL,
            "名册审批锁定后才能生成银行发放文件。",
        ),
        Transition(
            PayrollAction.RESULTS,
            "files.import_results",
            (PayrollStatus.APPROVED,),
            None,
            Capability.PREPARE_PAYROLL,
            "名册审批锁定后才能导入回盘。",
        ),
    ]
}


def enforce(actor: User, payroll: Payroll, action: PayrollAction) -> Transition:
    """Refuse unless `actor` may take `action` on `payroll` now: the role, the area, a
    locked payroll stays locked, maker-checker, then the state. Returns the transition."""
    transition = TRANSITIONS[action.value]
    require(actor, transition.capability)
    require_area(actor, payroll.town_code)
    if payroll.locked and not transition.on_locked:
        raise DomainError(LOCKED)
    if not transition.preparer_may and payroll.prepared_by_id == actor.pk:
        raise PermissionError(MAKER_CHECKER)
    if payroll.status not in transition.sources:
        raise DomainError(transition.refusal)
    return transition


def offered(user: User, payroll: Payroll) -> dict[str, Transition]:
    """The actions whose buttons the payroll's page shows `user`: by role, maker-checker
    and whether the payroll is locked (approval is offered before the check too; the
    service then says the check comes first)."""
    return {
        action: transition
        for action, transition in TRANSITIONS.items()
        if user.can(transition.capability)
        and (transition.preparer_may or payroll.prepared_by_id != user.pk)
        and payroll.locked == transition.on_locked
    }
