"""Which households get a case: recipients in force and open applications, town by town."""

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.utils import timezone

from jiuzhu.cases.bulk import Stamps
from jiuzhu.cases.models import (
    UNDECIDED_STATUSES,
    ExpenseKind,
    Status,
    TemporaryKind,
)
from jiuzhu.core.programmes import Programme
from jiuzhu.demo.cases.days import Days, working_on_or_before
from jiuzhu.demo.cases.history import record_history
from jiuzhu.demo.cases.mix import (
    DIBAO_IN_FORCE_SHARE,
    DIBAO_STATUSES,
    MIN_OPEN_PER_TOWN,
    OPEN_MIX,
    OPEN_PER_HOUSEHOLD,
    SPECIAL_HARDSHIP_SHARE,
    TEKUN_IN_FORCE_SHARE,
    TEKUN_STATUSES,
    TEMPORARY_STATUSES,
)
from jiuzhu.demo.cases.plans import (
    VILLAGE_TOWN,
    Array,
    CaseHousehold,
    CaseLoadResult,
    Plan,
    Staff,
    draw_channel,
    has_staff,
    read_households,
)
from jiuzhu.demo.cases.schedule import schedule
from jiuzhu.demo.cases.write import write_plans
from jiuzhu.policy import formulas as f
from jiuzhu.policy.accessors import Procedure
from jiuzhu.policy.batch import columns, read_registry
from jiuzhu.policy.parameters import ParameterSet


@dataclass
class _Chosen:
    """Rows (of the formula columns) chosen for each kind of case."""

    dibao_force: Array
    tekun_force: Array
    dibao_open: Array
    tekun_open: Array
    temporary_open: Array


def _choose(
    new: Array,
    members: Array,
    outcome: f.Outcome,
    person_columns: f.Persons,
    params: f.Params,
    town: Array,
    rng: np.random.Generator,
) -> _Chosen:
    """The new households that get a case: elderly people living alone without capacity to
    work are supported as tekun (never dibao as well); eligible dibao households are in
    force or applying; other households apply for temporary aid."""
    n = len(new)
    person_household = person_columns.hh
    tekun_person = (members == 1) & new
    tekun_person &= f.sum_by(person_household, outcome.tekun.eligible, n) == 1
    tekun_person &= (
        f.sum_by(person_household, person_columns.age >= params.incapacity_min_age, n) == 1
    )
    dibao_ok = new & outcome.dibao.eligible & (outcome.dibao.reason == f.Dibao.ELIGIBLE)
    dibao_ok &= ~tekun_person
    tekun_rows = np.flatnonzero(tekun_person)
    dibao_rows = np.flatnonzero(dibao_ok)
    rng.shuffle(tekun_rows)
    rng.shuffle(dibao_rows)
    dibao_open, tekun_open, temporary_open = _open_by_town(new, town, dibao_rows, tekun_rows, rng)
    opened = np.zeros(n, dtype=bool)
    opened[dibao_open] = opened[tekun_open] = True
    dibao_left = dibao_rows[~opened[dibao_rows]]
    tekun_left = tekun_rows[~opened[tekun_rows]]
    return _Chosen(
        dibao_force=dibao_left[: round(len(dibao_left) * DIBAO_IN_FORCE_SHARE)],
        tekun_force=tekun_left[: round(len(tekun_left) * TEKUN_IN_FORCE_SHARE)],
        dibao_open=dibao_open,
        tekun_open=tekun_open,
        temporary_open=temporary_open,
    )


def _open_by_town(
    new: Array, town: Array, dibao_rows: Array, tekun_rows: Array, rng: np.random.Generator
) -> tuple[Array, Array, Array]:
    """Open applications town by town, so that every town's lists have something to show
    even in a small demo: about one per 100 households, at least MIN_OPEN_PER_TOWN."""
    dibao_open, tekun_open, temporary_open = [], [], []
    pooled = np.zeros(len(new), dtype=bool)
    pooled[dibao_rows] = pooled[tekun_rows] = True
    for code in np.unique(town[new]).tolist():
        here = town == code
        quota = max(round(int((new & here).sum()) * OPEN_PER_HOUSEHOLD), MIN_OPEN_PER_TOWN)
        dibao_here = dibao_rows[here[dibao_rows]]
        tekun_here = tekun_rows[here[tekun_rows]]
        dibao_open.append(dibao_here[: min(round(quota * OPEN_MIX[0]), len(dibao_here) // 8)])
        tekun_open.append(tekun_here[: min(round(quota * OPEN_MIX[1]), len(tekun_here) // 3)])
        rest = np.flatnonzero(new & here & ~pooled)
        size = min(quota - len(dibao_open[-1]) - len(tekun_open[-1]), len(rest))
        temporary_open.append(rng.choice(rest, size=max(size, 0), replace=False))
    return (
        np.concatenate(dibao_open) if dibao_open else dibao_rows[:0],
        np.concatenate(tekun_open) if tekun_open else tekun_rows[:0],
        np.concatenate(temporary_open).astype(np.int64) if temporary_open else dibao_rows[:0],
    )


@dataclass
class _Amounts:
    """Monthly amounts in fen by row, from the policy's column formulas."""

    dibao: Array
    tekun: Array

    def of(self, programme: str, row: int) -> int | None:
        if programme == Programme.DIBAO:
            return int(self.dibao[row])
        if programme == Programme.TEKUN:
            return int(self.tekun[row])
        return None


def _in_force_plans(
    chosen: _Chosen,
    households: dict[int, CaseHousehold],
    amounts: _Amounts,
    rng: np.random.Generator,
    days: Days,
    notice_days: int,
) -> list[Plan]:
    """Recipients in force: decided 1-36 months ago after a notice, paid from the next month."""
    plans = []
    for rows, programme in (
        (chosen.dibao_force, Programme.DIBAO),
        (chosen.tekun_force, Programme.TEKUN),
    ):
        # At least two months ago: the first month paid (the one after the notice) is past.
        ago = rng.integers(70, 1100, len(rows))
        for row, back in zip(rows.tolist(), ago.tolist(), strict=True):
            if row not in households:
                continue
            household = households[row]
            decided = days.today - dt.timedelta(days=back)
            accepted = working_on_or_before(days.calendar, decided - dt.timedelta(days=20))
            decided = working_on_or_before(days.calendar, decided)
            plans.append(
                Plan(
                    household=household,
                    programme=programme,
                    status=Status.IN_FORCE,
                    submitted_on=working_on_or_before(
                        days.calendar, accepted - dt.timedelta(days=int(rng.integers(0, 3)))
                    ),
                    accepted_on=accepted,
                    channel=draw_channel(rng),
                    # Tekun here: a person living alone, the head.
                    beneficiary=household.head if programme == Programme.TEKUN else None,
                    monthly_fen=amounts.of(programme, row),
                    decided_on=decided,
                    notice_starts_on=decided,
                    closed_on=decided + dt.timedelta(days=notice_days),
                )
            )
    return plans


def _pick_status(
    rng: np.random.Generator, table: tuple[tuple[str, float], ...], size: int
) -> list[str]:
    names = [status for status, _ in table]
    weights = np.array([weight for _, weight in table])
    return [names[i] for i in rng.choice(len(names), size=size, p=weights / weights.sum())]


def _open_plans(
    chosen: _Chosen,
    households: dict[int, CaseHousehold],
    amounts: _Amounts,
    rng: np.random.Generator,
    today: dt.date,
) -> list[Plan]:
    """Open applications at a stage drawn by programme; some dibao ones special hardship."""
    special = set(
        rng.choice(
            len(chosen.dibao_open),
            size=round(len(chosen.dibao_open) * SPECIAL_HARDSHIP_SHARE),
            replace=False,
        ).tolist()
    )
    specs = (
        (chosen.dibao_open, Programme.DIBAO, DIBAO_STATUSES),
        (chosen.tekun_open, Programme.TEKUN, TEKUN_STATUSES),
        (chosen.temporary_open, Programme.TEMPORARY, TEMPORARY_STATUSES),
    )
    plans = []
    for rows, programme, table in specs:
        statuses = _pick_status(rng, table, len(rows))
        for i, (row, status) in enumerate(zip(rows.tolist(), statuses, strict=True)):
            if row not in households:
                continue
            household = households[row]
            plan = Plan(
                household=household,
                programme=programme,
                status=status,
                submitted_on=today,
                channel=draw_channel(rng),
                beneficiary=household.head if programme == Programme.TEKUN else None,
                temporary_kind=(
                    str(rng.choice([TemporaryKind.EMERGENCY, TemporaryKind.EXPENDITURE]))
                    if programme == Programme.TEMPORARY
                    else ""
                ),
                monthly_fen=amounts.of(programme, row),
                special_hardship=programme == Programme.DIBAO and i in special,
            )
            if plan.temporary_kind == TemporaryKind.EXPENDITURE:
                hardship_fen, kind, evidence = HARDSHIPS[row % len(HARDSHIPS)]
                plan.hardship_fen, plan.hardship_kind = hardship_fen, kind
                plan.hardship_evidence = evidence
            plans.append(plan)
    return plans


# Expenditure-type hardships, by household row (no draw: the other figures stay as they
# were): whole months of the standard within the town's limit, and one above it for the
# county to approve (docs/policy/other-programmes.md#temporary).
HARDSHIPS = (
    (180_000, ExpenseKind.MEDICAL, "住院费用结算单及票据"),
    (350_000, ExpenseKind.EDUCATION, "大学学费缴费通知书"),
    (600_000, ExpenseKind.MEDICAL, "门诊慢性病费用票据"),
    (1_200_000, ExpenseKind.HOUSING, "房屋火灾损失村委会证明"),
)


def generate_cases(
    seed: int, first_household_id: int, today: dt.date | None = None
) -> CaseLoadResult:
    """Cases for the households with ids from `first_household_id` (those just generated)."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    month = today.replace(day=1)
    ps = ParameterSet.load(month)
    procedure = Procedure.from_set(ps)
    params = f.Params.from_set(ps)
    household_columns, person_columns, household_ids, town = columns(read_registry(), month, params)
    outcome = f.compute(household_columns, person_columns, params)
    new = household_ids >= first_household_id
    if not new.any():
        return CaseLoadResult()
    # Keyed like the households' stream (seed, households already there), not by ids.
    before = int((~new).sum())
    rng = np.random.default_rng(np.random.SeedSequence([seed, before, 20260]))
    # Current memberships, as services count them.
    members = np.bincount(person_columns.hh, minlength=household_columns.n)
    chosen = _choose(new, members, outcome, person_columns, params, town, rng)
    rows = np.concatenate(
        [
            chosen.dibao_force,
            chosen.dibao_open,
            chosen.tekun_force,
            chosen.tekun_open,
            chosen.temporary_open,
        ]
    )
    households = read_households(household_ids, household_columns, members, rows)
    amounts = _Amounts(
        dibao=outcome.dibao.amount,
        tekun=f.sum_by(person_columns.hh, outcome.tekun.amount, household_columns.n),
    )
    days = Days(today, {})
    stamps = Stamps()
    now = timezone.localtime()
    plans = _in_force_plans(chosen, households, amounts, rng, days, procedure.notice_days)
    plans += _open_plans(chosen, households, amounts, rng, today)
    schedule(plans, rng, days, ps)

    plans = [q for pl in plans for q in (pl, pl.advance) if q is not None]
    VILLAGE_TOWN.clear()  # regions may have changed since the last run (tests)
    staff = Staff.load()
    plans = [pl for pl in plans if has_staff(staff, pl)]
    record_history(plans, rng, days, staff, stamps, now, procedure.advance_aid_hours)
    with transaction.atomic():
        result = write_plans(plans, rng, stamps, today, ps, days)
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
