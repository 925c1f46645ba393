"""Risk warnings (风险预警): the scan that runs the rules and keeps one alert per hit, and
the handling of an alert (assignment, conclusion); staff's declarations of relatives.

The scan reads the data through the owning apps (the registry's snapshot export, the
verification app's accepted extracts) into the rules' views and runs them on DuckDB;
repeated hits on the same subject update their alert (times seen, last seen) instead of
adding one, so a concluded false alarm is not raised again.
"""

import datetime as dt
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jiuzhu.batch.engine import DuckDBEngine
from jiuzhu.cases.models import ACTIVE_RECIPIENT_STATUSES, Case, Recipient, Status
from jiuzhu.core import idnumber, tasks
from jiuzhu.core.errors import DomainError
from jiuzhu.core.inputs import plain_text
from jiuzhu.core.models import Task, User
from jiuzhu.core.months import add_months, first_of_month
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.oversight import rules
from jiuzhu.oversight.follow_ups import ClaimInput, open_follow_ups
from jiuzhu.oversight.models import (
    Alert,
    AlertConclusion,
    AlertStatus,
    FollowUpKind,
    RelativeDeclaration,
    RiskScan,
)
from jiuzhu.oversight.parameters import Supervision
from jiuzhu.payments.models import PayrollLine
from jiuzhu.registry.models import Household, Person
from jiuzhu.registry.selectors import household_for_intake
from jiuzhu.registry.snapshot import export_registry
from jiuzhu.verification.services import current_extracts

SCAN_MONTHS = 12
# A case decided with approval is in notice, in force, or ended since.
APPROVED_STATUSES = (Status.NOTICE, Status.IN_FORCE, Status.ENDED)
SNAPSHOT_CHUNK = 50_000


def _town(code: str) -> str:
    return code[:9] + "000"


def _fen(amount: Any) -> int | None:
    return None if amount is None else round(amount * 100)


def gather(as_of: dt.date, directory: Path) -> dict[str, rules.Source]:
    """The rules' views for the whole county on `as_of`."""
    active = Recipient.objects.filter(status__in=ACTIVE_RECIPIENT_STATUSES)
    rows = list(
        active.values_list(
            "pk",
            "household_id",
            "person_id",
            "programme",
            "region_code",
            "monthly_amount",
            "case__monthly_amount",
            "case__decided_by_id",
            "next_review_on",
        )
    )
    recipients = pa.table(
        {
            "recipient_id": pa.array([r[0] for r in rows], pa.int64()),
            "household_id": pa.array([r[1] for r in rows], pa.int64()),
            "person_id": pa.array([r[2] for r in rows], pa.int64()),
            "programme": pa.array([r[3] for r in rows], pa.string()),
            "town_code": pa.array([_town(r[4]) for r in rows], pa.string()),
            "monthly_fen": pa.array([_fen(r[5]) for r in rows], pa.int64()),
            "approved_fen": pa.array([_fen(r[6]) for r in rows], pa.int64()),
            "decided_by": pa.array([r[7] for r in rows], pa.int64()),
            "next_review_on": pa.array([r[8] for r in rows], pa.date32()),
        }
    )
    # ID numbers come out through the registry's own export, as for verification.
    snapshot = export_registry(
        Household.objects.filter(pk__in=active.values("household_id")),
        directory / "registry",
        SNAPSHOT_CHUNK,
    )
    since = add_months(first_of_month(as_of), -SCAN_MONTHS)
    line_rows = list(
        PayrollLine.objects.filter(for_month__gte=since, for_month__lte=as_of).values_list(
            "for_month", "recipient_id", "household_id", "account_number", "net_fen"
        )
    )
    lines = pa.table(
        {
            name: pa.array([r[i] for r in line_rows], kind)
            for i, (name, kind) in enumerate(
                (
                    ("for_month", pa.date32()),
                    ("recipient_id", pa.int64()),
                    ("household_id", pa.int64()),
                    ("account_number", pa.string()),
                    ("net_fen", pa.int64()),
                )
            )
        }
    )
    extracts = [str(extract.parquet_path) for extract in current_extracts(as_of)]
    facts: rules.Source = extracts or pa.table(
        {
            "id_digest": pa.array([], pa.string()),
            "category": pa.array([], pa.string()),
            "extract_date": pa.array([], pa.date32()),
        }
    )
    declared = list(RelativeDeclaration.objects.values_list("staff_id", "person_id"))
    relatives = pa.table(
        {
            "staff_id": pa.array([d[0] for d in declared], pa.int64()),
            "person_id": pa.array([d[1] for d in declared], pa.int64()),
        }
    )
    decided = list(
        Case.objects.filter(
            decided_at__date__gt=add_months(as_of, -12),
            decided_by__isnull=False,
            status__in=APPROVED_STATUSES,
        ).values_list("decided_by_id", "responsible_code")
    )
    decisions = pa.table(
        {
            "decided_by": pa.array([d[0] for d in decided], pa.int64()),
            "town_code": pa.array([_town(d[1]) for d in decided], pa.string()),
        }
    )
    return {
        "recipients": recipients,
        "members": [str(snapshot.persons_path)],
        "lines": lines,
        "facts": facts,
        "relatives": relatives,
        "decisions": decisions,
    }


def thresholds_on(as_of: dt.date) -> rules.Thresholds:
    supervision = Supervision.on(as_of)
    return rules.Thresholds(
        as_of=as_of,
        shared_account_households=supervision.shared_account_households,
        approval_share=supervision.approval_share,
        approval_min_decisions=supervision.approval_min_decisions,
        review_overdue_days=supervision.review_overdue_days,
    )


def scan(actor: User, as_of: dt.date | None = None) -> RiskScan:
    """Run every rule over the county and record the hits as alerts."""
    require(actor, Capability.SUPERVISE)
    as_of = as_of or timezone.localdate()
    thresholds = thresholds_on(as_of)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="risk-") as directory:
        inputs = gather(as_of, Path(directory))
        engine = DuckDBEngine()
        try:
            rules.prepare(engine, inputs)
            hits = rules.run(engine, thresholds)
        finally:
            engine.close()
    with transaction.atomic():
        risk_scan = RiskScan.objects.create(
            as_of=as_of,
            started_by=actor,
            seconds=round(time.perf_counter() - started, 3),
            hits={code: len(rows) for code, rows in hits.items()},
        )
        risk_scan.new_alerts = _record(risk_scan, hits)
        risk_scan.save(update_fields=["new_alerts"])
        record_audit(actor, "risk_scan", risk_scan, {"hits": risk_scan.hits})
    return risk_scan


TASK_KIND = "oversight.risk_scan"


@tasks.task(TASK_KIND)
def scan_task(params: dict[str, Any], report: tasks.Report) -> dict[str, Any]:
    """The scan as a background task (a county's year of payroll lines is no page's work)."""
    actor = User.objects.get(pk=params["actor"])
    done = scan(actor, dt.date.fromisoformat(params["as_of"]))
    report(100)
    return {"scan": done.pk, "new_alerts": done.new_alerts}


def start_scan(actor: User, as_of: dt.date | None = None) -> Task:
    """Queue a scan of the county as of a day (today when not given)."""
    require(actor, Capability.SUPERVISE)
    day = as_of or timezone.localdate()
    return tasks.enqueue(actor, TASK_KIND, {"actor": actor.pk, "as_of": day.isoformat()})


def _evidence(rule: rules.Rule, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "text": rule.explain(row),
        "n": int(row["n"] or 0),
        "amount_fen": int(row["amount_fen"] or 0),
        "on_date": row["on_date"].isoformat() if row["on_date"] else "",
        "households": row.get("households", []),
    }


def _record(risk_scan: RiskScan, hits: dict[str, list[dict[str, Any]]]) -> int:
    """Update the alerts already raised for these hits and add the new ones; returns how
    many are new."""
    created = 0
    by_code = {rule.code: rule for rule in rules.RULES}
    for code, rows in hits.items():
        keyed = {str(row["subject"]): row for row in rows}
        seen = set(
            Alert.objects.filter(rule=code, subject_key__in=list(keyed)).values_list(
                "subject_key", flat=True
            )
        )
        Alert.objects.filter(rule=code, subject_key__in=list(seen)).update(
            times_seen=F("times_seen") + 1, last_seen_on=risk_scan.as_of
        )
        fresh = [
            Alert(
                rule=code,
                subject_key=key,
                town_code=row["town_code"],
                household_id=row["household_id"],
                staff_involved_id=row["staff_id"],
                evidence=_evidence(by_code[code], row),
                first_scan=risk_scan,
                last_seen_on=risk_scan.as_of,
                status=AlertStatus.OPEN,
            )
            for key, row in keyed.items()
            if key not in seen
        ]
        Alert.objects.bulk_create(fresh, batch_size=1000)
        created += len(fresh)
    return created


def may_handle_alert(user: User, alert: Alert) -> bool:
    return (
        user.can(Capability.HANDLE_ALERTS)
        and alert.town_code.startswith(user.scope_prefix)
        and alert.staff_involved_id != user.pk
    )


def assign_alert(actor: User, alert: Alert, handler: User) -> Alert:
    require(actor, Capability.SUPERVISE)
    require_area(actor, alert.town_code)
    if alert.staff_involved_id == actor.pk:
        raise PermissionError("涉及本人的预警由其他人员分派。")
    if alert.status == AlertStatus.CONCLUDED:
        raise DomainError("已办结的预警不能再分派。")
    if alert.staff_involved_id == handler.pk:
        raise DomainError("不能由预警涉及的工作人员核查，请另选承办人。", field="handler")
    if not may_handle_alert(handler, alert):
        raise DomainError("承办人须有核查预警的职责，且所在区域包含预警所在地。", field="handler")
    with transaction.atomic():
        alert.handler = handler
        alert.status = AlertStatus.ASSIGNED
        alert.save(update_fields=["handler", "status"])
        record_audit(actor, "assign_alert", alert, {"handler": handler.pk})
    return alert


# What each conclusion sets in motion.
CONCLUSION_FOLLOW_UP = {
    AlertConclusion.CORRECTION: FollowUpKind.CASE_REVIEW,
    AlertConclusion.RECOVERY: FollowUpKind.RECOVERY,
    AlertConclusion.REFERRAL: FollowUpKind.DISCIPLINE,
}


def conclude_alert(
    actor: User, alert: Alert, conclusion: str, note: str, claim: ClaimInput | None = None
) -> Alert:
    """The handler's conclusion; a correction starts a review of the household's case, a
    recovery records the claim in payments, a referral is recorded (follow_ups.py)."""
    if alert.handler_id != actor.pk or not may_handle_alert(actor, alert):
        raise PermissionError("只有承办人可以办结这条预警。")
    if alert.status != AlertStatus.ASSIGNED:
        raise DomainError("这条预警不在核查中，不能办结。")
    if conclusion not in AlertConclusion.values:
        raise DomainError("请选择处理结论。", field="conclusion")
    note = plain_text(note or "", "处理说明", "note").strip()
    if not note:
        raise DomainError("请填写处理说明。", field="note")
    if len(note) > 2000:
        raise DomainError("处理说明不能超过2000字。", field="note")
    follow_up = CONCLUSION_FOLLOW_UP.get(AlertConclusion(conclusion))
    if follow_up == FollowUpKind.CASE_REVIEW and alert.household_id is None:
        follow_up = FollowUpKind.CORRECTION  # a staff member's error: corrected, recorded
    with transaction.atomic():
        # The follow-up first: refused, it leaves the alert untouched, also in memory.
        if follow_up is not None:
            open_follow_ups(actor, alert, [follow_up], f"风险预警：{note}", claim)
        alert.conclusion = conclusion
        alert.conclusion_note = note
        alert.concluded_at = timezone.now()
        alert.status = AlertStatus.CONCLUDED
        alert.save(update_fields=["conclusion", "conclusion_note", "concluded_at", "status"])
        record_audit(actor, "conclude_alert", alert, {"conclusion": conclusion})
    return alert


RELATIONS = (
    "配偶",
    "父母",
    "子女",
    "兄弟姐妹",
    "祖父母、外祖父母",
    "孙子女、外孙子女",
    "其他近亲属",
)


def relative_by_id_number(id_number: str) -> Person | None:
    """The registered person with this ID number, found through the registry's intake
    look-up (a relative may live anywhere in the county)."""
    household = household_for_intake(id_number)
    if household is None:
        return None
    wanted = idnumber.normalise(id_number)
    members = household.memberships.filter(end_date__isnull=True).select_related("person")
    return next((m.person for m in members if m.person.id_number == wanted), None)


def declare_relative(actor: User, person: Person | None, relation: str) -> RelativeDeclaration:
    """A staff member declares a close relative of theirs (近亲属备案)."""
    if not actor.is_active or actor.region_id is None:
        raise PermissionError("无权备案。")
    if person is None:
        raise DomainError("未找到该人员，请核对身份证号。", field="id_number")
    if relation not in RELATIONS:
        raise DomainError("请选择关系。", field="relation")
    with transaction.atomic():
        declaration, created = RelativeDeclaration.objects.get_or_create(
            staff=actor, person=person, defaults={"relation": relation}
        )
        if not created:
            raise DomainError("该亲属已备案。", field="id_number")
        record_audit(actor, "declare_relative", declaration, {"relation": relation})
    return declaration
