"""Each case's history (its events) as the services would have recorded it."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from jiuzhu.cases.bulk import Stamps
from jiuzhu.cases.models import Action, Channel, Status
from jiuzhu.core.money import plain_yuan
from jiuzhu.core.programmes import Programme
from jiuzhu.demo.cases.days import Days, next_working, working_on_or_before
from jiuzhu.demo.cases.mix import ADVANCE_AID_METHOD, HOME_VISIT_FINDINGS, SECOND_STAFF, STAGES
from jiuzhu.demo.cases.plans import Plan, Staff, town_of_village

_MINUTE = dt.timedelta(minutes=1)
# (actor, action, from status, to status, comment, data) of a step not yet dated.
Step = tuple[int, str, str, str, str, dict[str, Any]]


@dataclass
class _Actors:
    """Who acts on a case: the town's assistant and approver, the village's coordinator,
    and whoever took the application (the coordinator for a village intake)."""

    assistant: int
    approver: int
    coordinator: int
    intake: int

    @classmethod
    def of(cls, staff: Staff, plan: Plan) -> "_Actors":
        town = town_of_village(plan.household.village)
        assistant, approver = staff.assistant[town], staff.approver[town]
        coordinator = staff.coordinator.get(plan.household.village, assistant)
        intake = coordinator if plan.channel == Channel.VILLAGE else assistant
        return cls(assistant, approver, coordinator, intake)


@dataclass
class _Clock:
    """Times of day for the events: office hours, never after now."""

    rng: np.random.Generator
    days: Days
    stamps: Stamps
    now: dt.datetime

    def at(self, day: dt.date) -> dt.datetime:
        moment = self.stamps.at(day, int(self.rng.integers(8 * 3600 + 1800, 17 * 3600 + 1800)))
        if moment > self.now:  # today, before office hours end: earlier today
            moment = self.now - dt.timedelta(minutes=int(self.rng.integers(5, 300)))
        return moment

    def between(self, start: dt.date, end: dt.date, step: int, steps: int) -> dt.date:
        """The working day `step` of `steps` evenly spaced from start to end."""
        span = max((end - start).days, 0)
        day = start + dt.timedelta(days=span * step // max(steps, 1))
        return working_on_or_before(self.days.calendar, day)


def record_history(
    plans: list[Plan],
    rng: np.random.Generator,
    days: Days,
    staff: Staff,
    stamps: Stamps,
    now: dt.datetime,
    advance_hours: int,
) -> None:
    """The history of each case as the services would have recorded it."""
    clock = _Clock(rng, days, stamps, now)
    for plan in plans:
        if plan.is_advance:
            continue  # an advance-aid case gets its events with its application, below
        actors = _Actors.of(staff, plan)
        plan.submitted_at = clock.at(plan.submitted_on)
        plan.events.append(
            (
                plan.submitted_at,
                actors.intake,
                Action.SUBMIT,
                "",
                Status.SUBMITTED,
                "",
                {"by_residence": False},
            )
        )
        if plan.advance is not None:
            _advance_aid(plan, plan.advance, actors, clock, advance_hours)
        if plan.accepted_on is not None:
            _after_intake(plan, plan.accepted_on, actors, clock)


def _advance_aid(
    plan: Plan, advance: Plan, actors: _Actors, clock: _Clock, advance_hours: int
) -> None:
    """The advance-aid case opened with the application and, if granted, paid within the
    hours allowed."""
    assert plan.submitted_at is not None
    advance.submitted_at = plan.submitted_at
    advance.events.append(
        (
            plan.submitted_at,
            actors.intake,
            Action.OPEN_ADVANCE_AID,
            "",
            Status.ACCEPTED,
            f"{advance_hours}小时内先行救助",
            {},
        )
    )
    if not advance.advance_granted:
        return
    paid = plan.submitted_at + dt.timedelta(hours=int(clock.rng.integers(2, advance_hours)))
    advance.decided_on = paid.date()
    advance.events.append(
        (
            min(paid, clock.now),
            actors.approver,  # two people: the opener (intake) never grants it
            Action.GRANT_ADVANCE_AID,
            Status.ACCEPTED,
            Status.IN_FORCE,
            "",
            {
                "amount": plain_yuan(advance.one_off_fen or 0),
                "method": ADVANCE_AID_METHOD,
                "within_deadline": True,
            },
        )
    )


def _investigation_steps(plan: Plan, stage: int, actors: _Actors, clock: _Clock) -> list[Step]:
    """The investigation's acts up to the case's stage (a visit is sometimes still to come)."""
    rng = clock.rng
    steps: list[Step] = [
        (
            actors.assistant,
            Action.START_INVESTIGATION,
            Status.ACCEPTED,
            Status.INVESTIGATING,
            "",
            {},
        )
    ]
    past_investigation = stage > STAGES.index(Status.INVESTIGATING)
    if past_investigation or rng.random() < 0.5:
        steps.append(
            (
                actors.coordinator,
                Action.RECORD_HOME_VISIT,
                Status.INVESTIGATING,
                Status.INVESTIGATING,
                str(rng.choice(HOME_VISIT_FINDINGS)),
                {"second_staff": str(rng.choice(SECOND_STAFF))},
            )
        )
    if not past_investigation:
        return steps
    review = plan.programme == Programme.DIBAO
    target = Status.COMMUNITY_REVIEW if review else Status.DECIDING
    steps.append(
        (actors.assistant, Action.COMPLETE_INVESTIGATION, Status.INVESTIGATING, target, "", {})
    )
    if review and stage > STAGES.index(Status.COMMUNITY_REVIEW):
        steps.append(
            (
                actors.coordinator,
                Action.RECORD_COMMUNITY_REVIEW,
                Status.COMMUNITY_REVIEW,
                Status.DECIDING,
                "民主评议一致同意纳入",
                {"participants": int(rng.integers(7, 25))},
            )
        )
    return steps


def _after_intake(plan: Plan, accepted_on: dt.date, actors: _Actors, clock: _Clock) -> None:
    """Acceptance, then the investigation's acts spread evenly until the decision (or
    today), the approval and the notice's close."""
    assert plan.submitted_at is not None
    events = plan.events
    due = clock.days.due(accepted_on)
    accepted_at = max(clock.at(accepted_on), plan.submitted_at)
    events.append(
        (
            accepted_at,
            actors.assistant,
            Action.ACCEPT,
            Status.SUBMITTED,
            Status.ACCEPTED,
            "",
            {"decision_due": str(due)},
        )
    )
    stage = STAGES.index(Status(plan.status))
    if stage < STAGES.index(Status.INVESTIGATING):
        return
    end = plan.decided_on or clock.days.today
    steps = _investigation_steps(plan, stage, actors, clock)
    count = len(steps) + (1 if plan.decided_on else 0)
    last = accepted_at
    for i, (actor, action, source, target, comment, data) in enumerate(steps, start=1):
        moment = max(clock.at(clock.between(accepted_on, end, i, count)), last + _MINUTE)
        if action == Action.RECORD_HOME_VISIT:
            data = {"visited_on": str(moment.date()), **data}
        elif action == Action.RECORD_COMMUNITY_REVIEW:
            data = {"held_on": str(moment.date()), **data}
        events.append((moment, actor, action, source, target, comment[:200], data))
        last = moment
    if plan.decided_on is not None:
        moment = max(clock.at(plan.decided_on), last + _MINUTE)
        amount = plain_yuan(plan.monthly_fen or 0)
        events.append(
            (
                moment,
                actors.approver,
                Action.APPROVE,
                Status.DECIDING,
                Status.NOTICE,
                "",
                {"monthly_amount": amount, "one_off_amount": "None"},
            )
        )
        last = moment
    if plan.closed_on is not None:
        moment = max(clock.at(next_working(clock.days.calendar, plan.closed_on)), last)
        events.append(
            (moment, actors.assistant, Action.CLOSE_NOTICE, Status.NOTICE, Status.IN_FORCE, "", {})
        )
