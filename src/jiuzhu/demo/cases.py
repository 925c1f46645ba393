"""Demo cases for the generated households: recipients in force and applications under way.

Run after the households are written. Amounts come from the policy's column formulas over
the registry (policy.batch reads it set-based, policy.formulas computes in fen), with the
parameters in force this month; deadlines from the official calendar and the policy's
procedure parameters. Rows are built as columns and bulk-written with the households'
writer (executemany on SQLite, COPY on PostgreSQL), ids after the highest used.

Dates are relative to the real today (the case lists count deadlines from it), so a demo
loaded today shows overdue and due-soon cases; the same seed on the same day and registry
gives the same cases.

What is made, per 100 new households roughly: 5-7 recipients in force (dibao households,
and a few elderly people living alone supported as tekun), and one open application spread
over submitted / accepted / investigating / community review / deciding / notice, some of
them overdue or due within three working days, some with advance aid (先行救助).
"""

import datetime as dt
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from jiuzhu.cases.models import (
    OPEN_STATUSES,
    UNDECIDED_STATUSES,
    AdvancePayment,
    Case,
    CaseEvent,
    Channel,
    HomeVisit,
    Recipient,
    RecipientStatus,
    Status,
    TemporaryKind,
)
from jiuzhu.core.bulk import Column, Table, max_used_id, write_table
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.money import plain_yuan
from jiuzhu.core.months import add_months
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Role
from jiuzhu.core.workdays import Calendar
from jiuzhu.policy import formulas as f
from jiuzhu.policy.batch import columns, read_registry
from jiuzhu.policy.parameters import ParameterSet

Array = np.ndarray[Any, Any]
MODELS: tuple[type[Model], ...] = (Case, CaseEvent, Recipient, HomeVisit, AdvancePayment)

OPEN_PER_HOUSEHOLD = 0.01
MIN_OPEN_PER_TOWN = 10
# Share of eligible dibao households already in force (the rest apply, or have not yet).
DIBAO_IN_FORCE_SHARE = 0.97
TEKUN_IN_FORCE_SHARE = 0.85
# Open applications by programme (dibao, tekun, temporary).
OPEN_MIX = (0.55, 0.1, 0.35)
SPECIAL_HARDSHIP_SHARE = 0.1  # of open dibao applications
OVERDUE_SHARE = 0.15  # of undecided cases: past their decision date
DUE_SOON_SHARE = 0.15  # within the last three working days of the clock
# Statuses of open dibao applications and their weights.
DIBAO_STATUSES = (
    (Status.SUBMITTED, 0.12),
    (Status.ACCEPTED, 0.15),
    (Status.INVESTIGATING, 0.28),
    (Status.COMMUNITY_REVIEW, 0.15),
    (Status.DECIDING, 0.15),
    (Status.NOTICE, 0.15),
)
TEKUN_STATUSES = (
    (Status.SUBMITTED, 0.15),
    (Status.ACCEPTED, 0.15),
    (Status.INVESTIGATING, 0.3),
    (Status.DECIDING, 0.2),
    (Status.NOTICE, 0.2),
)
TEMPORARY_STATUSES = (
    (Status.SUBMITTED, 0.2),
    (Status.ACCEPTED, 0.2),
    (Status.INVESTIGATING, 0.35),
    (Status.DECIDING, 0.25),
)
# The stage reached, in order: events are appended up to the case's status.
STAGES = (
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.INVESTIGATING,
    Status.COMMUNITY_REVIEW,
    Status.DECIDING,
    Status.NOTICE,
    Status.IN_FORCE,
)

REASONS: dict[str, tuple[str, ...]] = {
    Programme.DIBAO: (
        "家庭成员年老体弱，无稳定收入，生活困难。",
        "户主患慢性病长期服药，家庭收入低于当地低保标准。",
        "家中有重度残疾人需要照料，无法外出务工，收入微薄。",
        "丈夫去世，独自抚养孩子，仅靠零星务工维持生活。",
        "夫妻二人均体弱多病，仅有少量养老金和种地收入。",
    ),
    Programme.TEKUN: (
        "老人独居，无劳动能力，无生活来源，无法定赡养人。",
        "年老无子女，独自生活，收入仅有基础养老金。",
    ),
    Programme.TEMPORARY: (
        "家庭成员突发重病住院，医疗费用自付部分较高，生活陷入困境。",
        "房屋因火灾受损，急需临时救助。",
        "因交通事故受伤，暂时无法劳动，家庭生活困难。",
        "子女就学费用支出较大，家庭收入不足以维持基本生活。",
    ),
}
HOME_VISIT_FINDINGS = (
    "入户核实家庭成员及居住情况，家中无车辆，住房简陋，收入来源有限。",
    "核实成员健康和劳动能力情况，走访邻里，情况与申报基本一致。",
    "查看住房及财产情况，无经营性资产，家庭生活确有困难。",
)
SECOND_STAFF = ("李协理员", "王协理员", "张网格员", "刘村委委员", "赵村会计")
CHECKLIST = json.dumps(
    {
        "members_confirmed": True,
        "housing_checked": True,
        "income_sources": True,
        "assets_checked": True,
        "health_checked": True,
        "neighbours_asked": True,
    }
)


@dataclass
class CaseLoadResult:
    cases: int = 0
    open_cases: int = 0
    overdue: int = 0
    recipients: int = 0
    events: int = 0
    seconds: float = 0.0


@dataclass
class _Staff:
    """Demo accounts by region id: the town's assistant and approver, each village's
    coordinator (jiuzhu.demo.accounts)."""

    assistant: dict[int, int] = field(default_factory=dict)
    approver: dict[int, int] = field(default_factory=dict)
    coordinator: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "_Staff":
        staff = cls()
        by_role: dict[str, dict[int, int]] = {
            Role.TOWN_ASSISTANT: staff.assistant,
            Role.TOWN_APPROVER: staff.approver,
            Role.VILLAGE_COORDINATOR: staff.coordinator,
        }
        rows = User.objects.filter(
            role__in=list(by_role), region__isnull=False, is_active=True
        ).order_by("pk")
        for user_id, role, region_id in rows.values_list("pk", "role", "region_id"):
            by_role[role].setdefault(region_id, user_id)
        return staff


class _Days:
    """Working days back from today and decision dates, memoised (a few hundred dates)."""

    def __init__(self, today: dt.date, ps_cache: dict[dt.date, int]):
        self.calendar = Calendar()
        self.today = today
        self.working_back: list[dt.date] = []
        self._due: dict[dt.date, dt.date] = {}
        self._limit = ps_cache

    def back(self, n: int) -> dt.date:
        """The working day n working days before today (0: today, or the last working day)."""
        while len(self.working_back) <= n:
            day = self.working_back[-1] - dt.timedelta(days=1) if self.working_back else self.today
            while not self.calendar.is_working_day(day):
                day -= dt.timedelta(days=1)
            self.working_back.append(day)
        return self.working_back[n]

    def decision_days(self, accepted_on: dt.date) -> int:
        if accepted_on not in self._limit:
            ps = ParameterSet.load(accepted_on)
            self._limit[accepted_on] = int(ps["procedure.decision_working_days"])
        return self._limit[accepted_on]

    def due(self, accepted_on: dt.date) -> dt.date:
        if accepted_on not in self._due:
            days = self.decision_days(accepted_on)
            self._due[accepted_on] = self.calendar.add_working_days(accepted_on, days)
        return self._due[accepted_on]


def _null() -> Any:
    return r"\N" if connection.vendor == "postgresql" else None


class _Stamps:
    """Aware local times → the text each backend's bulk writer takes (UTC)."""

    def __init__(self) -> None:
        self.tz = timezone.get_current_timezone()
        self.pg = connection.vendor == "postgresql"

    def text(self, values: list[dt.datetime | None]) -> list[Any]:
        null = _null()
        out: list[Any] = []
        for v in values:
            if v is None:
                out.append(null)
            elif self.pg:
                out.append(v.isoformat())
            else:
                out.append(connection.ops.adapt_datetimefield_value(v))
        return out

    def at(self, day: dt.date, seconds: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=self.tz) + dt.timedelta(seconds=seconds)


def _dates(values: Sequence[dt.date | None]) -> list[Any]:
    null = _null()
    return [null if v is None else v.isoformat() for v in values]


@dataclass
class _Household:
    """What a case needs of its household (read set-based for the chosen ones)."""

    row: int  # row in the formula columns
    id: int
    head: int
    village: int  # region id of registration
    code: str  # registration code (12 digits)
    urban: bool
    members: int


@dataclass
class _Plan:
    """One case to write, before ids and numbers are given."""

    household: _Household
    programme: str
    status: str
    submitted_on: dt.date
    accepted_on: dt.date | None = None
    channel: str = Channel.WINDOW
    beneficiary: int | None = None
    temporary_kind: str = ""
    special_hardship: bool = False
    signed: bool = True
    authorised: bool = True
    monthly_fen: int | None = None
    notice_starts_on: dt.date | None = None
    decided_on: dt.date | None = None
    closed_on: dt.date | None = None  # in force from (notice closed)
    advance: "_Plan | None" = None  # the linked advance-aid case of a special hardship
    main: "_Plan | None" = None  # on the advance-aid case: the application it serves
    advance_granted: bool = False
    one_off_fen: int | None = None
    case_id: int = 0
    submitted_at: dt.datetime | None = None
    reason: str = ""
    events: list[tuple[dt.datetime, int | None, str, str, str, str, dict[str, Any]]] = field(
        default_factory=list
    )

    @property
    def is_advance(self) -> bool:
        return self.main is not None


def generate_cases(
    seed: int, first_household_id: int, today: dt.date | None = None
) -> CaseLoadResult:
    """Cases for the households with ids from `first_household_id` (those just generated)."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    result = CaseLoadResult()
    month = today.replace(day=1)
    ps = ParameterSet.load(month)
    k = f.Params.from_set(ps)
    h, p, hid, town = columns(read_registry(), month, k)
    outcome = f.compute(h, p, k)
    new = hid >= first_household_id
    if not new.any():
        return result
    # Keyed like the households' stream (seed, households already there), not by ids.
    before = int((~new).sum())
    rng = np.random.default_rng(np.random.SeedSequence([seed, before, 20260]))
    n = h.n
    members = np.bincount(p.hh, minlength=n)  # current memberships, as services count them

    # Elderly people living alone without capacity to work: tekun (never dibao as well).
    tekun_person = (members == 1) & new & (f.sum_by(p.hh, outcome.tekun.eligible, n) == 1)
    tekun_person &= f.sum_by(p.hh, p.age >= k.incapacity_min_age, n) == 1
    dibao_ok = new & outcome.dibao.eligible & (outcome.dibao.reason == f.Dibao.ELIGIBLE)
    dibao_ok &= ~tekun_person
    tekun_rows = np.flatnonzero(tekun_person)
    dibao_rows = np.flatnonzero(dibao_ok)
    rng.shuffle(tekun_rows)
    rng.shuffle(dibao_rows)

    # Open applications town by town, so that every town's lists have something to show
    # even in a small demo: about one per 100 households, at least MIN_OPEN_PER_TOWN.
    dibao_open, tekun_open, temp_open = [], [], []
    pooled = np.zeros(n, dtype=bool)
    pooled[dibao_rows] = pooled[tekun_rows] = True
    for code in np.unique(town[new]).tolist():
        here = town == code
        quota = max(round(int((new & here).sum()) * OPEN_PER_HOUSEHOLD), MIN_OPEN_PER_TOWN)
        d = dibao_rows[here[dibao_rows]]
        t = tekun_rows[here[tekun_rows]]
        dibao_open.append(d[: min(round(quota * OPEN_MIX[0]), len(d) // 8)])
        tekun_open.append(t[: min(round(quota * OPEN_MIX[1]), len(t) // 3)])
        rest = np.flatnonzero(new & here & ~pooled)
        size = min(quota - len(dibao_open[-1]) - len(tekun_open[-1]), len(rest))
        temp_open.append(rng.choice(rest, size=max(size, 0), replace=False))
    opened = np.zeros(n, dtype=bool)
    for part in (*dibao_open, *tekun_open):
        opened[part] = True
    dibao_left = dibao_rows[~opened[dibao_rows]]
    tekun_left = tekun_rows[~opened[tekun_rows]]
    dibao_force = dibao_left[: round(len(dibao_left) * DIBAO_IN_FORCE_SHARE)]
    tekun_force = tekun_left[: round(len(tekun_left) * TEKUN_IN_FORCE_SHARE)]
    dibao_open_rows = np.concatenate(dibao_open) if dibao_open else dibao_rows[:0]
    tekun_open_rows = np.concatenate(tekun_open) if tekun_open else tekun_rows[:0]
    temp_open_rows = np.concatenate(temp_open).astype(np.int64) if temp_open else dibao_rows[:0]

    chosen = np.concatenate(
        [dibao_force, dibao_open_rows, tekun_force, tekun_open_rows, temp_open_rows]
    )
    households = _households(hid, h, members, chosen)

    def person_of(row: int) -> int:
        return households[row].head  # tekun here: a person living alone, the head

    days = _Days(today, {})
    stamps = _Stamps()
    now = timezone.localtime()
    plans: list[_Plan] = []
    dibao_fen = outcome.dibao.amount
    tekun_fen = f.sum_by(p.hh, outcome.tekun.amount, n)

    def pick_status(table: tuple[tuple[str, float], ...], size: int) -> list[str]:
        names = [s for s, _ in table]
        weights = np.array([w for _, w in table])
        return [names[i] for i in rng.choice(len(names), size=size, p=weights / weights.sum())]

    # Recipients in force: decided 1-36 months ago after a notice, paid from the next month.
    for rows, programme in ((dibao_force, Programme.DIBAO), (tekun_force, Programme.TEKUN)):
        # At least two months ago: the first month paid (the one after the notice) is past.
        ago = rng.integers(70, 1100, len(rows))
        for row, back in zip(rows.tolist(), ago.tolist(), strict=True):
            if row not in households:
                continue
            hh = households[row]
            decided = today - dt.timedelta(days=back)
            notice_days = int(ps["procedure.notice_days"])
            accepted = _working_on_or_before(days.calendar, decided - dt.timedelta(days=20))
            decided = _working_on_or_before(days.calendar, decided)
            plan = _Plan(
                household=hh,
                programme=programme,
                status=Status.IN_FORCE,
                submitted_on=_working_on_or_before(
                    days.calendar, accepted - dt.timedelta(days=int(rng.integers(0, 3)))
                ),
                accepted_on=accepted,
                channel=_channel(rng),
                beneficiary=person_of(row) if programme == Programme.TEKUN else None,
                monthly_fen=int(dibao_fen[row] if programme == Programme.DIBAO else tekun_fen[row]),
                decided_on=decided,
                notice_starts_on=decided,
                closed_on=decided + dt.timedelta(days=notice_days),
            )
            plans.append(plan)

    # Open applications.
    special = set(
        rng.choice(
            len(dibao_open_rows),
            size=round(len(dibao_open_rows) * SPECIAL_HARDSHIP_SHARE),
            replace=False,
        ).tolist()
    )
    specs = (
        (dibao_open_rows, Programme.DIBAO, DIBAO_STATUSES),
        (tekun_open_rows, Programme.TEKUN, TEKUN_STATUSES),
        (temp_open_rows, Programme.TEMPORARY, TEMPORARY_STATUSES),
    )
    for rows, programme, table in specs:
        statuses = pick_status(table, len(rows))
        for i, (row, status) in enumerate(zip(rows.tolist(), statuses, strict=True)):
            if row not in households:
                continue
            hh = households[row]
            plan = _Plan(
                household=hh,
                programme=programme,
                status=status,
                submitted_on=today,
                channel=_channel(rng),
                beneficiary=person_of(row) if programme == Programme.TEKUN else None,
                temporary_kind=(
                    str(rng.choice([TemporaryKind.EMERGENCY, TemporaryKind.EXPENDITURE]))
                    if programme == Programme.TEMPORARY
                    else ""
                ),
            )
            if programme == Programme.DIBAO:
                plan.monthly_fen = int(dibao_fen[row])
            elif programme == Programme.TEKUN:
                plan.monthly_fen = int(tekun_fen[row])
            plans.append(plan)
            if programme == Programme.DIBAO and i in special:
                plan.special_hardship = True
    _schedule(plans, rng, days, ps)

    plans = [q for pl in plans for q in (pl, pl.advance) if q is not None]
    _VILLAGE_TOWN.clear()  # regions may have changed since the last run (tests)
    staff = _Staff.load()
    plans = [pl for pl in plans if _has_staff(staff, pl)]
    _events(plans, rng, days, staff, stamps, now, int(ps["procedure.advance_aid_hours"]))
    with transaction.atomic():
        result = _write_all(plans, rng, stamps, today, ps, days)
    result.overdue = sum(
        1
        for pl in plans
        if pl.status in UNDECIDED_STATUSES
        and not pl.is_advance
        and pl.accepted_on is not None
        and days.due(pl.accepted_on) < today
    )
    result.seconds = time.perf_counter() - started
    return result


def _working_on_or_before(calendar: Calendar, day: dt.date) -> dt.date:
    while not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def _channel(rng: np.random.Generator) -> str:
    return str(rng.choice([Channel.WINDOW, Channel.VILLAGE, Channel.REFERRAL], p=[0.6, 0.33, 0.07]))


def _households(hid: Array, h: f.Households, members: Array, rows: Array) -> dict[int, _Household]:
    if len(rows) == 0:
        return {}
    ids = hid[rows]
    heads: dict[int, int] = {}
    info: dict[int, tuple[int, str]] = {}
    # Chunks of ids keep the IN lists of a big county within what the drivers take.
    for start in range(0, len(ids), 10_000):
        part = ",".join(str(int(i)) for i in ids[start : start + 10_000])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT household_id, person_id FROM registry_membership "
                f"WHERE relation = 'head' AND end_date IS NULL AND household_id IN ({part})"
            )
            heads.update(cursor.fetchall())
            cursor.execute(
                "SELECT id, registered_region_id, registered_code FROM registry_household "
                f"WHERE id IN ({part})"
            )
            info.update({r[0]: (r[1], r[2]) for r in cursor.fetchall()})
    out = {}
    for row, household_id in zip(rows.tolist(), ids.tolist(), strict=True):
        if household_id not in heads:
            continue
        village, code = info[household_id]
        out[row] = _Household(
            row=row,
            id=household_id,
            head=heads[household_id],
            village=village,
            code=code,
            urban=bool(h.urban[row]),
            members=int(members[row]),
        )
    return out


def _schedule(plans: list[_Plan], rng: np.random.Generator, days: _Days, ps: ParameterSet) -> None:
    """Dates of the open applications. In each town a share of the undecided ones (at least
    two) is past its decision date and as many are within three working days of it."""
    notice_days = int(ps["procedure.notice_days"])
    by_town: dict[str, list[_Plan]] = {}
    for plan in plans:
        if plan.status != Status.IN_FORCE:
            by_town.setdefault(plan.household.code[:9], []).append(plan)
    for town_plans in by_town.values():
        undecided = [pl for pl in town_plans if pl.status in UNDECIDED_STATUSES]
        late = max(2, round(len(undecided) * OVERDUE_SHARE))
        soon = max(2, round(len(undecided) * DUE_SOON_SHARE))
        timing = {id(pl): "overdue" for pl in undecided[:late]}
        timing.update({id(pl): "soon" for pl in undecided[late : late + soon]})
        for plan in town_plans:
            when = timing.get(id(plan), "")
            _schedule_open(plan, rng, days, notice_days, when)
            plan.special_hardship &= not when  # keep the town's overdue ones overdue
            if plan.special_hardship:
                _special_hardship(plan, rng, days, ps)


def _schedule_open(
    plan: _Plan, rng: np.random.Generator, days: _Days, notice_days: int, timing: str
) -> None:
    """Dates of an open application: accepted so many working days ago that it is at its
    stage; some past the decision date, some within three working days of it."""
    limit = days.decision_days(days.back(0))
    status = plan.status
    plan.signed = status != Status.SUBMITTED or rng.random() < 0.9
    plan.authorised = status not in (Status.SUBMITTED, Status.ACCEPTED, Status.INVESTIGATING) or (
        rng.random() < 0.93
    )
    if status == Status.SUBMITTED:
        plan.submitted_on = days.back(int(rng.integers(0, 3)))
        return
    if status == Status.NOTICE:
        # Approved within the clock; the notice started 0..notice_days-1 days ago.
        plan.notice_starts_on = days.today - dt.timedelta(days=int(rng.integers(0, notice_days)))
        plan.decided_on = plan.notice_starts_on
        elapsed = int(rng.integers(8, limit + 1))
        accepted = _working_on_or_before(
            days.calendar, plan.notice_starts_on - dt.timedelta(days=int(elapsed * 1.4))
        )
    else:
        ranges: dict[str, tuple[int, int]] = {
            Status.ACCEPTED: (0, 3),
            Status.INVESTIGATING: (1, 10),
            Status.COMMUNITY_REVIEW: (5, 12),
            Status.DECIDING: (7, limit - 1),
        }
        low, high = ranges[status]
        if timing == "overdue":
            elapsed = limit + int(rng.integers(1, 12))
        elif timing == "soon":
            elapsed = limit - int(rng.integers(0, 4))
        else:
            elapsed = int(rng.integers(low, max(high, low) + 1))
        accepted = days.back(elapsed)
    plan.accepted_on = accepted
    plan.submitted_on = _working_on_or_before(
        days.calendar, accepted - dt.timedelta(days=int(rng.integers(0, 2)))
    )


def _special_hardship(plan: _Plan, rng: np.random.Generator, days: _Days, ps: ParameterSet) -> None:
    """Special hardship: the linked temporary case for advance aid, opened at submission;
    granted (with its payment) unless the application came in today."""
    plan.status = Status.SUBMITTED if rng.random() < 0.4 else plan.status
    if plan.status == Status.SUBMITTED:
        plan.accepted_on = None
        plan.notice_starts_on = None
        plan.decided_on = None
        plan.submitted_on = days.today
        plan.signed = True
    hh = plan.household
    std = ps.fen(f"dibao.standard.{'urban' if hh.urban else 'rural'}")
    advance = _Plan(
        main=plan,
        household=hh,
        programme=Programme.TEMPORARY,
        status=Status.ACCEPTED,
        submitted_on=plan.submitted_on,
        accepted_on=plan.submitted_on,
        channel=plan.channel,
        temporary_kind=TemporaryKind.EMERGENCY,
        special_hardship=True,
        signed=False,
        authorised=False,
    )
    if plan.submitted_on < days.today:
        advance.status = Status.IN_FORCE
        advance.advance_granted = True
        # One month of the standard per member: within the town's limit (several months).
        advance.one_off_fen = std * max(hh.members, 1)
    plan.advance = advance


def _has_staff(staff: _Staff, plan: _Plan) -> bool:
    town = _town_of_village(plan.household.village)
    return town in staff.assistant and town in staff.approver


# Village id → town id, read once per run (generate_cases clears it).
_VILLAGE_TOWN: dict[int, int] = {}


def _town_of_village(village: int) -> int:
    if not _VILLAGE_TOWN:
        _VILLAGE_TOWN.update(
            Region.objects.filter(level=RegionLevel.VILLAGE).values_list("pk", "parent_id")
        )
    return _VILLAGE_TOWN.get(village, 0)


def _events(
    plans: list[_Plan],
    rng: np.random.Generator,
    days: _Days,
    staff: _Staff,
    stamps: _Stamps,
    now: dt.datetime,
    advance_hours: int,
) -> None:
    """The history of each case as the services would have recorded it."""

    def at(day: dt.date) -> dt.datetime:
        moment = stamps.at(day, int(rng.integers(8 * 3600 + 1800, 17 * 3600 + 1800)))
        if moment > now:  # today, before office hours end: earlier today
            moment = now - dt.timedelta(minutes=int(rng.integers(5, 300)))
        return moment

    def between(start: dt.date, end: dt.date, i: int, k: int) -> dt.date:
        span = max((end - start).days, 0)
        return _working_on_or_before(
            days.calendar, start + dt.timedelta(days=span * i // max(k, 1))
        )

    for plan in plans:
        if plan.is_advance:
            continue  # an advance-aid case gets its events with its application, below
        town = _town_of_village(plan.household.village)
        assistant, approver = staff.assistant[town], staff.approver[town]
        coordinator = staff.coordinator.get(plan.household.village, assistant)
        intake = coordinator if plan.channel == Channel.VILLAGE else assistant
        plan.submitted_at = at(plan.submitted_on)
        ev = plan.events
        ev.append(
            (plan.submitted_at, intake, "submit", "", Status.SUBMITTED, "", {"by_residence": False})
        )
        advance = plan.advance
        if advance is not None:
            advance.submitted_at = plan.submitted_at
            advance.events.append(
                (
                    plan.submitted_at,
                    intake,
                    "open_advance_aid",
                    "",
                    Status.ACCEPTED,
                    f"{advance_hours}小时内先行救助",
                    {},
                )
            )
            if advance.advance_granted:
                paid = plan.submitted_at + dt.timedelta(hours=int(rng.integers(2, advance_hours)))
                advance.decided_on = paid.date()
                advance.events.append(
                    (
                        min(paid, now),
                        assistant,
                        "grant_advance_aid",
                        Status.ACCEPTED,
                        Status.IN_FORCE,
                        "",
                        {
                            "amount": plain_yuan(advance.one_off_fen or 0),
                            "method": "银行卡转账",
                            "within_deadline": True,
                        },
                    )
                )
        if plan.accepted_on is None:
            continue
        due = days.due(plan.accepted_on)
        accepted_at = max(at(plan.accepted_on), plan.submitted_at)
        ev.append(
            (
                accepted_at,
                assistant,
                "accept",
                Status.SUBMITTED,
                Status.ACCEPTED,
                "",
                {"decision_due": str(due)},
            )
        )
        stage = STAGES.index(Status(plan.status))
        if stage < STAGES.index(Status.INVESTIGATING):
            continue
        end = plan.decided_on or days.today
        steps: list[tuple[int, str, str, str, str, dict[str, Any]]] = [
            (assistant, "start_investigation", Status.ACCEPTED, Status.INVESTIGATING, "", {})
        ]
        past_investigation = stage > STAGES.index(Status.INVESTIGATING)
        if past_investigation or rng.random() < 0.5:
            steps.append(
                (
                    coordinator,
                    "record_home_visit",
                    Status.INVESTIGATING,
                    Status.INVESTIGATING,
                    str(rng.choice(HOME_VISIT_FINDINGS)),
                    {"second_staff": str(rng.choice(SECOND_STAFF))},
                )
            )
        if past_investigation:
            review = plan.programme == Programme.DIBAO
            target = Status.COMMUNITY_REVIEW if review else Status.DECIDING
            steps.append(
                (assistant, "complete_investigation", Status.INVESTIGATING, target, "", {})
            )
            if review and stage > STAGES.index(Status.COMMUNITY_REVIEW):
                steps.append(
                    (
                        coordinator,
                        "record_community_review",
                        Status.COMMUNITY_REVIEW,
                        Status.DECIDING,
                        "民主评议一致同意纳入",
                        {"participants": int(rng.integers(7, 25))},
                    )
                )
        k = len(steps) + (1 if plan.decided_on else 0)
        last = accepted_at
        for i, (actor, action, src, dst, comment, data) in enumerate(steps, start=1):
            day = between(plan.accepted_on, end, i, k)
            moment = max(at(day), last + dt.timedelta(minutes=1))
            if action == "record_home_visit":
                data = {"visited_on": str(moment.date()), **data}
            elif action == "record_community_review":
                data = {"held_on": str(moment.date()), **data}
            ev.append((moment, actor, action, src, dst, comment[:200], data))
            last = moment
        if plan.decided_on is not None:
            moment = max(at(plan.decided_on), last + dt.timedelta(minutes=1))
            amount = plain_yuan(plan.monthly_fen or 0)
            ev.append(
                (
                    moment,
                    approver,
                    "approve",
                    Status.DECIDING,
                    Status.NOTICE,
                    "",
                    {"monthly_amount": amount, "one_off_amount": "None"},
                )
            )
            last = moment
        if plan.closed_on is not None:
            moment = max(at(_next_working(days.calendar, plan.closed_on)), last)
            ev.append((moment, assistant, "close_notice", Status.NOTICE, Status.IN_FORCE, "", {}))


def _next_working(calendar: Calendar, day: dt.date) -> dt.date:
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def _numbers(plans: list[_Plan]) -> list[str]:
    """SQ/XX + submission date + a five-digit sequence, as services.next_number, continued
    above the numbers already used for that day."""
    used: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT substr(number, 1, 10), MAX(number) FROM cases_case GROUP BY 1")
        for stem, number in cursor.fetchall():
            if number[10:].isdigit():
                used[stem] = int(number[10:])
    order = sorted(range(len(plans)), key=lambda i: (plans[i].submitted_at, i))
    numbers = [""] * len(plans)
    for i in order:
        plan = plans[i]
        prefix = "XX" if plan.is_advance else "SQ"
        assert plan.submitted_at is not None
        stem = f"{prefix}{timezone.localtime(plan.submitted_at):%Y%m%d}"
        used[stem] = used.get(stem, 0) + 1
        numbers[i] = f"{stem}{used[stem]:05d}"
    return numbers


def _reasons(plans: list[_Plan], numbers: list[str], rng: np.random.Generator) -> list[str]:
    index = {id(pl): i for i, pl in enumerate(plans)}
    for plan in plans:
        if not plan.is_advance:
            pool = REASONS[plan.programme]
            plan.reason = pool[int(rng.integers(0, len(pool)))]
    for plan in plans:
        if plan.main is not None:
            main = plan.main.reason
            plan.reason = f"先行救助（关联申请 {numbers[index[id(plan.main)]]}）：{main}"[:2000]
    return [pl.reason for pl in plans]


def _review(households: list[int], today: dt.date) -> dict[int, str]:
    """rules.review_class, set-based: A without a member able to work or with a seriously
    ill or grade 1-2 disabled member; C with irregular income; B otherwise."""
    able: dict[int, tuple[int, int]] = {}
    irregular: set[int] = set()
    for start in range(0, len(households), 10_000):
        part = ",".join(str(i) for i in households[start : start + 10_000])
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT m.household_id, "
                "SUM(CASE WHEN p.labour_capacity = 'full' THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN p.serious_illness OR p.disability_grade BETWEEN 1 AND 2 "
                "THEN 1 ELSE 0 END) "
                "FROM registry_membership m JOIN registry_person p ON p.id = m.person_id "
                f"WHERE m.end_date IS NULL AND m.household_id IN ({part}) GROUP BY m.household_id"
            )
            able.update({r[0]: (int(r[1]), int(r[2])) for r in cursor.fetchall()})
            cursor.execute(
                "SELECT DISTINCT household_id FROM registry_income "
                f"WHERE category IN ('business', 'other') AND household_id IN ({part})"
            )
            irregular.update(r[0] for r in cursor.fetchall())
    out = {}
    for household in households:
        full, severe = able.get(household, (0, 0))
        if not full or severe:
            out[household] = "A"
        else:
            out[household] = "C" if household in irregular else "B"
    return out


def _recipients(plans: list[_Plan], today: dt.date, ps: ParameterSet) -> Table:
    """Recipients in force: paid from the month after the notice closed; next review on
    the class's interval after that, rolled on past the reviews already held."""
    classes = _review([pl.household.id for pl in plans], today)
    start_months, reviews, klass = [], [], []
    for plan in plans:
        assert plan.closed_on is not None
        start = add_months(plan.closed_on, 1)
        c = classes[plan.household.id]
        area = "urban" if plan.household.urban else "rural"
        interval = int(ps[f"review.interval_months.{c}.{area}"])
        review = add_months(start, interval - 1)
        # Reviews already held: the next one is this month at the earliest (due now) or later.
        while review < today.replace(day=1):
            review = add_months(review, interval)
        start_months.append(start)
        reviews.append(review)
        klass.append(c)
    next_id = max_used_id(Recipient) + 1
    tekun = [pl.programme == Programme.TEKUN for pl in plans]
    return Table(
        Recipient._meta.db_table,
        [
            Column("id", "int", next_id + np.arange(len(plans), dtype=np.int64)),
            Column("case_id", "int", np.array([pl.case_id for pl in plans], dtype=np.int64)),
            Column(
                "household_id", "int", np.array([pl.household.id for pl in plans], dtype=np.int64)
            ),
            Column(
                "person_id",
                "nint",
                np.array(
                    [pl.beneficiary if pl.beneficiary else -1 for pl in plans], dtype=np.int64
                ),
            ),
            Column("programme", "text", [pl.programme for pl in plans]),
            Column("region_code", "text", [pl.household.code for pl in plans]),
            Column("status", "text", [RecipientStatus.ACTIVE.value] * len(plans)),
            Column("monthly_amount", "text", [plain_yuan(pl.monthly_fen or 0) for pl in plans]),
            # As services.members_covered: current members (a tekun person: one).
            Column(
                "members_covered",
                "int",
                np.array(
                    [1 if t else pl.household.members for pl, t in zip(plans, tekun, strict=True)],
                    dtype=np.int64,
                ),
            ),
            Column("start_month", "text", _dates(start_months)),
            Column("end_month", "text", [_null()] * len(plans)),
            Column("phase_out_until", "text", [_null()] * len(plans)),
            Column("review_class", "text", klass),
            Column("next_review_on", "text", _dates(reviews)),
            Column("end_reason", "text", [""] * len(plans)),
        ],
    )


def _write_all(
    plans: list[_Plan],
    rng: np.random.Generator,
    stamps: _Stamps,
    today: dt.date,
    ps: ParameterSet,
    days: _Days,
) -> CaseLoadResult:
    result = CaseLoadResult()
    if not plans:
        return result
    next_case = max_used_id(Case) + 1
    for i, plan in enumerate(plans):
        plan.case_id = next_case + i
    numbers = _numbers(plans)
    reasons = _reasons(plans, numbers, rng)
    null = _null()
    notice_days = int(ps["procedure.notice_days"])
    advance_hours = int(ps["procedure.advance_aid_hours"])
    past_investigation = {
        Status.INVESTIGATING,
        Status.COMMUNITY_REVIEW,
        Status.DECIDING,
        Status.NOTICE,
        Status.IN_FORCE,
    }

    def ids(values: list[int | None]) -> Array:
        return np.array([-1 if v is None else v for v in values], dtype=np.int64)

    def money(values: list[int | None]) -> list[Any]:
        return [null if v is None else plain_yuan(v) for v in values]

    def ints(values: list[int]) -> Array:
        return np.array(values, dtype=np.int64)

    towns, intake_region, investigator, decided_by, decided_at, dues = [], [], [], [], [], []
    monthly, one_off, notice_ends, advance_due, authorised, signed = [], [], [], [], [], []
    for pl in plans:
        town = _town_of_village(pl.household.village)
        towns.append(town)
        intake_region.append(pl.household.village if pl.channel == Channel.VILLAGE else town)
        investigating = pl.status in past_investigation and not pl.is_advance
        investigator.append(pl.events[2][1] if investigating else None)
        decision = next((e for e in pl.events if e[2] in ("approve", "grant_advance_aid")), None)
        decided_by.append(decision[1] if decision else None)
        decided_at.append(decision[0] if decision else None)
        due = None
        if pl.accepted_on is not None and not pl.is_advance:
            due = days.due(pl.accepted_on)
        dues.append(due)
        monthly.append(pl.monthly_fen if decision and not pl.is_advance else None)
        one_off.append(pl.one_off_fen if pl.advance_granted else None)
        ends = (
            pl.notice_starts_on + dt.timedelta(days=notice_days - 1)
            if pl.notice_starts_on
            else None
        )
        notice_ends.append(ends)
        assert pl.submitted_at is not None
        advance_due.append(
            pl.submitted_at + dt.timedelta(hours=advance_hours) if pl.is_advance else None
        )
        authorised.append(pl.submitted_at if pl.authorised else None)
        signed.append(pl.submitted_at if pl.signed else None)
    codes = dict(Region.objects.filter(pk__in=set(intake_region)).values_list("pk", "code"))
    n = len(plans)
    case_table = Table(
        Case._meta.db_table,
        [
            Column("id", "int", ints([pl.case_id for pl in plans])),
            Column("number", "text", numbers),
            Column("household_id", "int", ints([pl.household.id for pl in plans])),
            Column(
                "applicant_id", "int", ints([pl.beneficiary or pl.household.head for pl in plans])
            ),
            Column("beneficiary_id", "nint", ids([pl.beneficiary for pl in plans])),
            Column("programme", "text", [str(pl.programme) for pl in plans]),
            Column("temporary_kind", "text", [str(pl.temporary_kind) for pl in plans]),
            Column("single_person_unit", "bool", np.zeros(n, dtype=bool)),
            Column("status", "text", [str(pl.status) for pl in plans]),
            Column("channel", "text", [str(pl.channel) for pl in plans]),
            Column("intake_region_id", "int", ints(intake_region)),
            Column("responsible_town_id", "int", ints(towns)),
            Column("intake_code", "text", [codes[r] for r in intake_region]),
            # Routed by registration, as services.route: the village code of registration.
            Column("responsible_code", "text", [pl.household.code for pl in plans]),
            Column("reason", "text", reasons),
            Column("special_hardship", "bool", np.array([pl.special_hardship for pl in plans])),
            Column(
                "advance_for_id",
                "nint",
                ids([pl.main.case_id if pl.main else None for pl in plans]),
            ),
            Column("authorisation_signed_at", "text", stamps.text(authorised)),
            Column("commitment_signed_at", "text", stamps.text(signed)),
            Column("submitted_at", "text", stamps.text([pl.submitted_at for pl in plans])),
            Column("accepted_on", "text", _dates([pl.accepted_on for pl in plans])),
            Column("decision_due", "text", _dates(dues)),
            Column("advance_due_at", "text", stamps.text(advance_due)),
            Column("paused_since", "text", [null] * n),
            Column("paused_working_days", "int", np.zeros(n, dtype=np.int64)),
            Column("investigator_id", "nint", ids(investigator)),
            Column("decided_at", "text", stamps.text(decided_at)),
            Column("decided_by_id", "nint", ids(decided_by)),
            Column("monthly_amount", "text", money(monthly)),
            Column("one_off_amount", "text", money(one_off)),
            Column("decision_note", "text", [""] * n),
            Column("explanation", "text", ["{}"] * n),
            Column("notice_starts_on", "text", _dates([pl.notice_starts_on for pl in plans])),
            Column("notice_ends_on", "text", _dates(notice_ends)),
            # Each transition after the submission (or the opening) raised it by one.
            Column("version", "int", ints([len(pl.events) - 1 for pl in plans])),
            Column("created_by_id", "int", ints([pl.events[0][1] or 0 for pl in plans])),
            Column("updated_at", "text", stamps.text([pl.events[-1][0] for pl in plans])),
        ],
    )
    events = [(pl.case_id, e) for pl in plans for e in pl.events]
    next_event = max_used_id(CaseEvent) + 1
    event_table = Table(
        CaseEvent._meta.db_table,
        [
            Column("id", "int", next_event + np.arange(len(events), dtype=np.int64)),
            Column("case_id", "int", ints([c for c, _ in events])),
            Column("at", "text", stamps.text([e[0] for _, e in events])),
            Column("actor_id", "nint", ids([e[1] for _, e in events])),
            Column("action", "text", [e[2] for _, e in events]),
            Column("from_status", "text", [str(e[3]) for _, e in events]),
            Column("to_status", "text", [str(e[4]) for _, e in events]),
            Column("comment", "text", [e[5] for _, e in events]),
            Column("data", "text", [json.dumps(e[6], ensure_ascii=False) for _, e in events]),
        ],
    )
    in_force = [pl for pl in plans if pl.status == Status.IN_FORCE and not pl.is_advance]
    recipient_table = _recipients(in_force, today, ps)
    visits = [(pl, e) for pl in plans for e in pl.events if e[2] == "record_home_visit"]
    next_visit = max_used_id(HomeVisit) + 1
    visit_table = Table(
        HomeVisit._meta.db_table,
        [
            Column("id", "int", next_visit + np.arange(len(visits), dtype=np.int64)),
            Column("case_id", "int", ints([pl.case_id for pl, _ in visits])),
            Column("visited_on", "text", [e[6]["visited_on"] for _, e in visits]),
            Column("lead_staff_id", "int", ints([e[1] or 0 for _, e in visits])),
            Column("second_staff", "text", [e[6]["second_staff"] for _, e in visits]),
            Column("checklist", "text", [CHECKLIST] * len(visits)),
            Column("findings", "text", [e[5] for _, e in visits]),
            Column("household_signed", "bool", np.ones(len(visits), dtype=bool)),
        ],
    )
    granted = [pl for pl in plans if pl.advance_granted]
    next_payment = max_used_id(AdvancePayment) + 1
    payment_table = Table(
        AdvancePayment._meta.db_table,
        [
            Column("id", "int", next_payment + np.arange(len(granted), dtype=np.int64)),
            Column("case_id", "int", ints([pl.case_id for pl in granted])),
            Column("amount", "text", money([pl.one_off_fen for pl in granted])),
            Column("method", "text", ["银行卡转账"] * len(granted)),
            Column("paid_at", "text", stamps.text([pl.events[-1][0] for pl in granted])),
            Column("recorded_by_id", "int", ints([pl.events[-1][1] or 0 for pl in granted])),
        ],
    )
    for table in (case_table, event_table, recipient_table, visit_table, payment_table):
        write_table(table, {})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Ids were given explicitly: move the sequences past them for ordinary inserts.
            for sql in connection.ops.sequence_reset_sql(no_style(), list(MODELS)):
                cursor.execute(sql)
            for model in MODELS:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    result.cases = n
    result.open_cases = sum(1 for pl in plans if pl.status in OPEN_STATUSES)
    result.recipients = recipient_table.rows
    result.events = len(events)
    return result
