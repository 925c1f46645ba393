"""Dates of the open applications: at their stage, some overdue, some due soon, some with
advance aid for special hardship."""

import datetime as dt

import numpy as np

from jiuzhu.cases.models import (
    UNDECIDED_STATUSES,
    Status,
    TemporaryKind,
)
from jiuzhu.core.programmes import Programme
from jiuzhu.demo.cases.days import Days, working_on_or_before
from jiuzhu.demo.cases.mix import DUE_SOON_SHARE, OVERDUE_SHARE
from jiuzhu.demo.cases.plans import Plan
from jiuzhu.policy.accessors import Procedure, dibao_standard_fen
from jiuzhu.policy.parameters import ParameterSet
from jiuzhu.registry.models import HukouType


def schedule(plans: list[Plan], rng: np.random.Generator, days: Days, ps: ParameterSet) -> None:
    """Dates of the open applications. In each town a share of the undecided ones (at least
    two) is past its decision date and as many are within three working days of it."""
    notice_days = Procedure.from_set(ps).notice_days
    by_town: dict[str, list[Plan]] = {}
    for plan in plans:
        if plan.status != Status.IN_FORCE:
            by_town.setdefault(plan.household.code[:9], []).append(plan)
    for town_plans in by_town.values():
        # Special hardship cases have their own clock (advance aid): never the overdue ones.
        undecided = [
            pl for pl in town_plans if pl.status in UNDECIDED_STATUSES and not pl.special_hardship
        ]
        late = max(2, round(len(undecided) * OVERDUE_SHARE))
        soon = max(2, round(len(undecided) * DUE_SOON_SHARE))
        timing = {id(pl): "overdue" for pl in undecided[:late]}
        timing.update({id(pl): "soon" for pl in undecided[late : late + soon]})
        for plan in town_plans:
            when = timing.get(id(plan), "")
            _schedule_open(plan, rng, days, notice_days, when)
            if plan.special_hardship:
                _special_hardship(plan, rng, days, ps)


def _schedule_open(
    plan: Plan, rng: np.random.Generator, days: Days, notice_days: int, timing: str
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
        accepted = working_on_or_before(
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
    plan.submitted_on = working_on_or_before(
        days.calendar, accepted - dt.timedelta(days=int(rng.integers(0, 2)))
    )


def _special_hardship(plan: Plan, rng: np.random.Generator, days: Days, ps: ParameterSet) -> None:
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
    std = dibao_standard_fen(ps, HukouType.URBAN if hh.urban else HukouType.RURAL)
    advance = Plan(
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
