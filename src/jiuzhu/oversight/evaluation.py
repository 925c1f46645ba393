"""Performance evaluation (绩效评价) of the towns for a year, read from the tally
(oversight/tally.py: every indicator of every town by month, counted from the data).

Each indicator is a share: done of due in the year (funds: fen paid of the budget). The
score is 100 × the weighted mean of the indicators that had anything due (the weights are a
dated parameter, in INDICATORS' order; a shorter list of an earlier year leaves the later
indicators out), less a penalty per staff error not tolerated on review (an error tolerated
under 容错纠错 costs nothing).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Max, Min

from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.roles import Capability
from jiuzhu.oversight.models import EvaluationTally
from jiuzhu.oversight.tally import TOWN_PREFIX
from jiuzhu.policy.parameters import ParameterSet

INDICATORS = (
    ("decisions", "审核确认按时办结"),
    ("advance", "先行救助24小时内发放"),
    ("spot_checks", "抽查无差错"),
    ("complaints", "投诉举报按时办结"),
    ("alerts", "风险预警办结"),
    ("reviews", "按期复核"),
    ("visits", "按期探访"),
    ("leads", "线索按时研判"),
    ("coverage", "低收入人口监测覆盖"),
    ("funds", "资金执行"),
    ("roster", "经办人员配备到位"),
    ("usage", "平台使用率"),
)
FAULTS = "faults"


@dataclass(frozen=True)
class Weights:
    weights: tuple[Decimal, ...]
    fault_penalty: int

    @classmethod
    def on(cls, day: dt.date) -> "Weights":
        parameters = ParameterSet.load(day)
        weights = tuple(Decimal(w) for w in parameters["evaluation.weights"])
        if len(weights) > len(INDICATORS):
            raise ValueError("evaluation.weights has more weights than indicators")
        padded = weights + (Decimal(0),) * (len(INDICATORS) - len(weights))
        return cls(padded, int(parameters["evaluation.fault_penalty"]))


@dataclass
class TownScore:
    town: Region
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # done, due
    months: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # by month 1-12
    faults: int = 0
    score: Decimal = Decimal(0)

    def share(self, code: str) -> Decimal | None:
        done, due = self.counts.get(code, (0, 0))
        return min(Decimal(done) / Decimal(due), Decimal(1)) if due else None


@dataclass(frozen=True)
class Evaluation:
    year: int
    scores: list[TownScore]
    weights: Weights
    as_of: dt.date | None  # None: the year was never tallied
    computed_at: dt.datetime | None


def evaluate(user: User, year: int) -> Evaluation:
    """Each town of the user's area with its indicators and score, best first."""
    weights = Weights.on(dt.date(year, 12, 31))
    if not user.can(Capability.TRACK_TASKS):
        return Evaluation(year, [], weights, None, None)
    towns = Region.objects.filter(
        level=RegionLevel.TOWN, code__startswith=user.scope_prefix
    ).order_by("code")
    rows = EvaluationTally.objects.filter(
        year=year, town_code__startswith=user.scope_prefix[:TOWN_PREFIX]
    )
    stamp = rows.aggregate(as_of=Min("as_of"), at=Max("computed_at"))
    cells: dict[str, dict[str, list[tuple[int, int]]]] = {}
    for code, indicator, month, done, due in rows.values_list(
        "town_code", "indicator", "month", "done", "due"
    ):
        cell = cells.setdefault(code, {}).setdefault(indicator, [(0, 0)] * 12)
        cell[month - 1] = (done, due)
    scores = []
    for town in towns:
        of_town = cells.get(town.code[:TOWN_PREFIX], {})
        row = TownScore(town)
        for code, _ in [*INDICATORS, (FAULTS, "")]:
            by_month = of_town.get(code, [(0, 0)] * 12)
            row.months[code] = by_month
            row.counts[code] = (sum(d for d, _ in by_month), sum(n for _, n in by_month))
        row.faults = row.counts[FAULTS][0]
        row.score = _score(row, weights)
        scores.append(row)
    scores.sort(key=lambda r: (-r.score, r.town.code))
    return Evaluation(year, scores, weights, stamp["as_of"], stamp["at"])


def _score(row: TownScore, weights: Weights) -> Decimal:
    weighted = [
        (weight, share)
        for (code, _), weight in zip(INDICATORS, weights.weights, strict=True)
        if weight and (share := row.share(code)) is not None
    ]
    total = sum((weight for weight, _ in weighted), Decimal(0))
    mean = sum((w * s for w, s in weighted), Decimal(0)) / total if total else Decimal(1)
    raw = Decimal(100) * mean - weights.fault_penalty * row.faults
    return max(raw, Decimal(0)).quantize(Decimal("0.1"))
