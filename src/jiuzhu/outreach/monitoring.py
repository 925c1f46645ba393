"""Monitoring warnings: the rules (outreach/warnings.py) run as a background task over a
registry snapshot and the accepted department extracts; each new hit becomes a warning
for the household's town, which records its handling within the working-day limit."""

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from jiuzhu.batch.engine import DuckDBEngine
from jiuzhu.cases.models import ACTIVE_RECIPIENT_STATUSES, Recipient
from jiuzhu.core import tasks
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.core.workdays import Calendar
from jiuzhu.outreach import warnings
from jiuzhu.outreach.inputs import text
from jiuzhu.outreach.models import (
    AUTOMATIC_REASONS,
    MonitoredHousehold,
    MonitoringReason,
    MonitoringWarning,
    WarningHandling,
)
from jiuzhu.outreach.parameters import Monitoring
from jiuzhu.policy import batch as policy_batch
from jiuzhu.registry.models import Household
from jiuzhu.registry.snapshot import export_registry
from jiuzhu.verification.models import ExtractImport, ExtractStatus

TASK_KIND = "outreach.warnings"
DEATHS_SOURCE = "deaths"
BENEFITS_SOURCE = "unemployment"
STUDENTS_SOURCE = "students"
MEDICAL_SOURCE = "medical_expenses"
DISABILITY_SOURCE = "disability"
DISASTER_SOURCE = "disasters"


def _accepted() -> QuerySet[ExtractImport]:
    return ExtractImport.objects.filter(status=ExtractStatus.ACCEPTED).exclude(parquet_path="")


def _last_two(source: str, today: dt.date) -> tuple[Path | None, Path | None, dt.date]:
    """The previous and the latest accepted extract of a source (None without two), and
    the latest one's date: what was in the first and is missing in the second stopped."""
    latest = list(_accepted().filter(source=source).order_by("-extract_date", "-pk")[:2])
    if len(latest) < 2:
        return None, None, latest[0].extract_date if latest else today
    return Path(latest[1].parquet_path), Path(latest[0].parquet_path), latest[0].extract_date


def _latest(source: str) -> Path | None:
    latest = _accepted().filter(source=source).order_by("-extract_date", "-pk").first()
    return Path(latest.parquet_path) if latest else None


def _since(source: str, day: dt.date) -> list[Path]:
    """The accepted extracts of a source dated from `day` on."""
    chosen = _accepted().filter(source=source, extract_date__gte=day)
    return [Path(path) for path in chosen.values_list("parquet_path", flat=True)]


def _inputs(directory: Path, today: dt.date, thresholds: warnings.Thresholds) -> warnings.Inputs:
    snapshot = export_registry(Household.objects.all(), directory, chunk_size=1_000_000)
    deaths = _accepted().filter(source=DEATHS_SOURCE).values_list("parquet_path", flat=True)
    benefits_before, benefits_now, benefits_date = _last_two(BENEFITS_SOURCE, today)
    students_before, students_now, students_date = _last_two(STUDENTS_SOURCE, today)
    return warnings.Inputs(
        persons=snapshot.persons_path,
        households=snapshot.households_path,
        deaths=[Path(path) for path in deaths],
        benefits_before=benefits_before,
        benefits_now=benefits_now,
        benefits_date=benefits_date,
        students_before=students_before,
        students_now=students_now,
        students_date=students_date,
        medical=_latest(MEDICAL_SOURCE),
        disabilities=_latest(DISABILITY_SOURCE),
        disasters=_since(DISASTER_SOURCE, thresholds.disaster_since),
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without it
        return day.replace(year=day.year - years, day=28)


def run_rules(actor: User, today: dt.date) -> int:
    """Run every rule; the hits not raised before become warnings. How many are new."""
    require(actor, Capability.RUN_MONITORING)
    limits = Monitoring.on(today)
    thresholds = warnings.Thresholds(
        death_since=today - dt.timedelta(days=limits.death_lookback_days),
        benefit_min_fen=limits.benefit_lost_min_fen,
        born_after=_years_before(today, limits.school_leaver_max_age),
        earner_born_after=_years_before(today, limits.working_age[1]),
        earner_born_by=_years_before(today, limits.working_age[0]),
        medical_min_fen=limits.medical_out_of_pocket_min_fen,
        disability_since=today - dt.timedelta(days=limits.disability_lookback_days),
        severe_grade=limits.severe_disability_max_grade,
        disaster_since=today - dt.timedelta(days=limits.disaster_lookback_days),
        disaster_min_fen=limits.disaster_loss_min_fen,
    )
    with tempfile.TemporaryDirectory(prefix="warnings-") as folder:
        inputs = _inputs(Path(folder), today, thresholds)
        engine = DuckDBEngine()
        try:
            found = warnings.hits(engine, inputs, thresholds).to_pylist()
        finally:
            engine.close()
    now = timezone.now()
    due = Calendar().add_working_days(today, limits.handling_working_days)
    rows = [
        MonitoringWarning(
            key=f"{hit['rule']}:{hit['person_id']}:{hit['source_date']}",
            rule=hit["rule"],
            household_id=hit["household_id"],
            person_id=hit["person_id"],
            town_code=hit["town_code"],
            evidence={
                "source_date": str(hit["source_date"]),
                "amount_fen": hit["amount_fen"],
                "detail": warnings.DETAIL_LABELS.get(hit["rule"], "") + hit["detail"]
                if hit["detail"]
                else "",
            },
            raised_at=now,
            handling_due=due,
        )
        for hit in found
    ]
    with transaction.atomic():
        before = MonitoringWarning.objects.count()
        MonitoringWarning.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
        new = MonitoringWarning.objects.count() - before
        record_audit(
            actor, "run_warning_rules", MonitoringWarning(), {"hits": len(rows), "new": new}
        )
    return new


def _should_be_listed(today: dt.date) -> set[tuple[int, str]]:
    """(household, reason) for every automatic reason that holds now: a dibao or tekun
    recipient, a warning not closed as needing nothing, an edge household by the policy
    engine's means test of this month."""
    wanted = {
        (int(household_id), MonitoringReason.EDGE.value)
        for household_id in policy_batch.edge_households(today)
    }
    for programme, reason in (
        (Programme.DIBAO, MonitoringReason.DIBAO),
        (Programme.TEKUN, MonitoringReason.TEKUN),
    ):
        recipients = Recipient.objects.filter(
            programme=programme, status__in=ACTIVE_RECIPIENT_STATUSES
        ).values_list("household_id", flat=True)
        wanted |= {(household_id, reason) for household_id in recipients.iterator()}
    warned = MonitoringWarning.objects.exclude(handling=WarningHandling.NO_ACTION).values_list(
        "household_id", flat=True
    )
    wanted |= {(household_id, MonitoringReason.WARNING) for household_id in warned.iterator()}
    return wanted


def refresh_list(actor: User, today: dt.date) -> tuple[int, int]:
    """Bring the automatic part of the monitoring list up to date: households that now
    qualify join from today, those that no longer do leave today (their rows stay, as
    history). How many joined and left."""
    require(actor, Capability.RUN_MONITORING)
    wanted = _should_be_listed(today)
    with transaction.atomic():
        current = {
            (household_id, reason): pk
            for pk, household_id, reason in MonitoredHousehold.objects.filter(
                until__isnull=True, reason__in=AUTOMATIC_REASONS
            ).values_list("pk", "household_id", "reason")
        }
        joining = sorted(wanted - current.keys())
        towns = dict(
            Household.objects.filter(
                pk__in={household_id for household_id, _ in joining}
            ).values_list("pk", "registered_code")
        )
        MonitoredHousehold.objects.bulk_create(
            [
                MonitoredHousehold(
                    household_id=household_id,
                    reason=reason,
                    town_code=towns[household_id][:9] + "000",
                    since=today,
                )
                for household_id, reason in joining
            ],
            batch_size=2000,
        )
        leaving = [pk for key, pk in current.items() if key not in wanted]
        MonitoredHousehold.objects.filter(pk__in=leaving).update(until=today)
        record_audit(
            actor,
            "refresh_monitoring_list",
            MonitoredHousehold(),
            {"joined": len(joining), "left": len(leaving)},
        )
    return len(joining), len(leaving)


def add_to_list(actor: User, household: Household, reason: str, note: str) -> MonitoredHousehold:
    """The town lists a household for a reason no job can see (large essential spending,
    risk of returning to poverty), with a note."""
    require(actor, Capability.HANDLE_WARNINGS)
    if reason not in MonitoringReason.values or reason in AUTOMATIC_REASONS:
        raise DomainError("请选择由乡镇认定的纳入原因。", field="reason")
    if not household.registered_code.startswith(actor.scope_prefix):
        raise DomainError("该家庭不在本乡镇，不能纳入。", field="household_number")
    note = text(note, "认定依据", "note", 200)
    with transaction.atomic():
        if MonitoredHousehold.objects.filter(
            household=household, reason=reason, until__isnull=True
        ).exists():
            raise DomainError("该家庭已因此原因纳入监测。", field="reason")
        row = MonitoredHousehold.objects.create(
            household=household,
            reason=reason,
            town_code=household.registered_code[:9] + "000",
            since=timezone.localdate(),
            note=note,
            added_by=actor,
        )
        record_audit(actor, "add_monitored_household", row, {"reason": reason, "note": note})
    return row


@tasks.task(TASK_KIND)
def run_rules_task(params: dict[str, Any], report: tasks.Report) -> dict[str, Any]:
    """The rules, then the list (a new warning puts its household on it)."""
    actor = User.objects.get(pk=params["actor"])
    today = dt.date.fromisoformat(params["today"])
    new = run_rules(actor, today)
    report(50)
    joined, left = refresh_list(actor, today)
    report(100)
    return {"new": new, "joined": joined, "left": left}


def handle_warning(actor: User, warning: MonitoringWarning, handling: str, note: str) -> None:
    """Record what the town did about a warning (a visit, an application, or nothing with
    the reason)."""
    require(actor, Capability.HANDLE_WARNINGS)
    require_area(actor, warning.town_code)
    if handling not in WarningHandling.values:
        raise DomainError("请选择处置方式。", field="handling")
    note = text(note, "处置说明", "note", 500)
    with transaction.atomic():
        locked = MonitoringWarning.objects.select_for_update().get(pk=warning.pk)
        if locked.handled_at is not None:
            raise DomainError("该预警已处置。")
        locked.handling, locked.handling_note = handling, note
        locked.handled_by, locked.handled_at = actor, timezone.now()
        locked.save()
        record_audit(actor, "handle_warning", locked, {"handling": handling, "note": note})
