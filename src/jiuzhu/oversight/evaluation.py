"""Performance evaluation (绩效评价) of the towns for a year, computed from the data.

Indicators, each a share of what was due (numerator / denominator per town):
  decisions    applications decided within their deadline
  advance      advance aid (先行救助) paid within its 24-hour limit
  spot_checks  spot-checked cases found without a problem
  complaints   complaints about the town answered by their deadline
  alerts       risk alerts of the town concluded
  reviews      recipients in force whose periodic review is not overdue at year end
The score is 100 × the weighted mean of the indicators that had anything due (weights are
a parameter, in this order), less a penalty per staff error not tolerated on review (an
error tolerated under 容错纠错 costs nothing). One grouped query per indicator.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, Count, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from jiuzhu.cases.models import ACTIVE_RECIPIENT_STATUSES, Case, Recipient, SpotCheck
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.roles import Capability
from jiuzhu.oversight.models import (
    Alert,
    AlertStatus,
    Complaint,
    ComplaintStatus,
    FaultToleranceRecord,
)
from jiuzhu.policy.parameters import ParameterSet

INDICATORS = (
    ("decisions", "审核确认按时办结"),
    ("advance", "先行救助24小时内发放"),
    ("spot_checks", "抽查无问题"),
    ("complaints", "投诉举报按时办结"),
    ("alerts", "风险预警办结"),
    ("reviews", "按期复核"),
)
TOWN_PREFIX = 9


@dataclass(frozen=True)
class Weights:
    weights: tuple[Decimal, ...]
    fault_penalty: int

    @classmethod
    def on(cls, day: dt.date) -> "Weights":
        parameters = ParameterSet.load(day)
        weights = tuple(Decimal(w) for w in parameters["evaluation.weights"])
        if len(weights) != len(INDICATORS):
            raise ValueError("evaluation.weights must have one weight per indicator")
        return cls(weights, int(parameters["evaluation.fault_penalty"]))


@dataclass
class TownScore:
    town: Region
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # done, due
    faults: int = 0
    score: Decimal = Decimal(0)

    def share(self, code: str) -> Decimal | None:
        done, due = self.counts.get(code, (0, 0))
        return Decimal(done) / Decimal(due) if due else None


def _grouped(rows: QuerySet, code_field: str, done: Q | RawSQL) -> dict[str, tuple[int, int]]:
    """(done, due) per town: grouped by the full (indexed) region code in SQL, the few
    hundred villages then added up to their towns here."""
    grouped = (
        rows.values_list(code_field)
        .annotate(due=Count("pk"), done=Count("pk", filter=done))
        .values_list(code_field, "done", "due")
    )
    towns: dict[str, tuple[int, int]] = {}
    for code, done_n, due_n in grouped:
        before = towns.get(code[:TOWN_PREFIX], (0, 0))
        towns[code[:TOWN_PREFIX]] = (before[0] + done_n, before[1] + due_n)
    return towns


def _decided_in_time() -> RawSQL:
    """Decided by the end of the deadline's day, local time: decided_at (UTC) before the
    local midnight that ends that day, computed by the database itself (Django's date cast
    of a datetime calls Python once per row on SQLite)."""
    zone = timezone.get_current_timezone()
    if connection.vendor == "postgresql":
        return RawSQL(
            "decided_at < ((decision_due + 1)::timestamp AT TIME ZONE %s)",
            [str(zone)],
            output_field=BooleanField(),
        )
    # SQLite keeps UTC text; China has one fixed offset, no daylight saving.
    offset = zone.utcoffset(dt.datetime(2020, 1, 1)) or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    return RawSQL(
        "decided_at < datetime(decision_due, '+1 day', %s)",
        [f"{-minutes:+d} minutes"],
        output_field=BooleanField(),
    )


def _year(field: str, year: int, moment: bool = False) -> Q:
    """A range on `field` covering the year (a range, not __year: an index can serve it and
    SQLite needs no function call per row)."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    if moment:
        start_at = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
        end_at = timezone.make_aware(dt.datetime.combine(end, dt.time.min))
        return Q(**{f"{field}__gte": start_at, f"{field}__lt": end_at})
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _indicators(year: int) -> dict[str, dict[str, tuple[int, int]]]:
    year_end = dt.date(year, 12, 31)
    return {
        "decisions": _grouped(
            Case.objects.filter(_year("decided_at", year, True), decision_due__isnull=False),
            "responsible_code",
            _decided_in_time(),
        ),
        "advance": _grouped(
            Case.objects.filter(_year("advance_due_at", year, True)),
            "responsible_code",
            Q(advance_payment__paid_at__lte=F("advance_due_at")),
        ),
        "spot_checks": _grouped(
            SpotCheck.objects.filter(_year("recorded_at", year, True), problem_found__isnull=False),
            "case__responsible_code",
            Q(problem_found=False),
        ),
        "complaints": _grouped(
            Complaint.objects.filter(_year("due_on", year)),
            "region_code",
            Q(status=ComplaintStatus.REPLIED, replied_at__date__lte=F("due_on")),
        ),
        "alerts": _grouped(
            Alert.objects.filter(_year("first_scan__as_of", year)),
            "town_code",
            Q(status=AlertStatus.CONCLUDED),
        ),
        "reviews": _grouped(
            Recipient.objects.filter(status__in=ACTIVE_RECIPIENT_STATUSES),
            "region_code",
            Q(next_review_on__isnull=True) | Q(next_review_on__gte=year_end),
        ),
    }


def evaluate(user: User, year: int) -> list[TownScore]:
    """Each town of the user's area with its indicators and score, best first."""
    if not user.can(Capability.TRACK_TASKS):
        return []
    weights = Weights.on(dt.date(year, 12, 31))
    towns = Region.objects.filter(
        level=RegionLevel.TOWN, code__startswith=user.scope_prefix
    ).order_by("code")
    indicators = _indicators(year)
    faults = {
        town: not_tolerated
        for town, (not_tolerated, _) in _grouped(
            FaultToleranceRecord.objects.filter(_year("reviewed_at", year, True)),
            "region_code",
            Q(tolerated=False),
        ).items()
    }
    scores = []
    for town in towns:
        key = town.code[:TOWN_PREFIX]
        row = TownScore(town, {code: indicators[code].get(key, (0, 0)) for code, _ in INDICATORS})
        row.faults = faults.get(key, 0)
        weighted = [
            (weight, share)
            for (code, _), weight in zip(INDICATORS, weights.weights, strict=True)
            if (share := row.share(code)) is not None
        ]
        total = sum((weight for weight, _ in weighted), Decimal(0))
        mean = sum((w * s for w, s in weighted), Decimal(0)) / total if total else Decimal(1)
        raw = Decimal(100) * mean - weights.fault_penalty * row.faults
        row.score = max(raw, Decimal(0)).quantize(Decimal("0.1"))
        scores.append(row)
    return sorted(scores, key=lambda r: (-r.score, r.town.code))
