"""The planned cases written through the cases app's bulk writer (jiuzhu.cases.bulk): the
demo turns its plans into columns; numbers and the recipients' review class and members
covered come from the cases rules there."""

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils import timezone

from jiuzhu.cases import bulk
from jiuzhu.cases.bulk import NewRecipient, Stamps, date_texts
from jiuzhu.cases.models import (
    OPEN_STATUSES,
    Action,
    AdvancePayment,
    Case,
    CaseEvent,
    Channel,
    HomeVisit,
    Status,
)
from jiuzhu.cases.services.routing import ADVANCE_AID_PREFIX, APPLICATION_PREFIX
from jiuzhu.core.bulk import Column, Table
from jiuzhu.core.models import Region
from jiuzhu.core.money import plain_yuan
from jiuzhu.core.months import add_months
from jiuzhu.demo.cases.days import Days
from jiuzhu.demo.cases.mix import ADVANCE_AID_METHOD, CHECKLIST, REASONS
from jiuzhu.demo.cases.plans import Array, CaseLoadResult, Plan, town_of_village
from jiuzhu.policy.accessors import Procedure
from jiuzhu.policy.parameters import ParameterSet
from jiuzhu.registry.models import HukouType

# The stages after which a case has an investigator.
PAST_INVESTIGATION = {
    Status.INVESTIGATING,
    Status.COMMUNITY_REVIEW,
    Status.DECIDING,
    Status.NOTICE,
    Status.IN_FORCE,
}
DECISIONS = (Action.APPROVE, Action.GRANT_ADVANCE_AID)


def _numbers(plans: list[Plan]) -> list[str]:
    """Case numbers from the cases' bulk writer, drawn in the order of submission."""
    order = sorted(range(len(plans)), key=lambda i: (plans[i].submitted_at, i))
    requests = []
    for i in order:
        submitted_at = plans[i].submitted_at
        assert submitted_at is not None
        prefix = ADVANCE_AID_PREFIX if plans[i].is_advance else APPLICATION_PREFIX
        requests.append((prefix, timezone.localtime(submitted_at).date()))
    numbers = [""] * len(plans)
    for i, number in zip(order, bulk.case_numbers(requests), strict=True):
        numbers[i] = number
    return numbers


def _reasons(plans: list[Plan], numbers: list[str], rng: np.random.Generator) -> list[str]:
    """Each application's reason from its programme's pool; an advance-aid case cites the
    application it serves, as services.submit_application writes it."""
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


def _recipients(plans: list[Plan], today: dt.date) -> Table:
    """Recipients in force: paid from the month after the notice closed."""
    recipients = []
    for plan in plans:
        assert plan.closed_on is not None
        recipients.append(
            NewRecipient(
                case_id=plan.case_id,
                household_id=plan.household.id,
                person_id=plan.beneficiary,
                programme=plan.programme,
                region_code=plan.household.code,
                area_type=HukouType.URBAN if plan.household.urban else HukouType.RURAL,
                monthly_fen=plan.monthly_fen or 0,
                start_month=add_months(plan.closed_on, 1),
            )
        )
    return bulk.recipients_table(recipients, today)


def _ints(values: list[int]) -> Array:
    return np.array(values, dtype=np.int64)


def _ids(values: list[int | None]) -> Array:
    return np.array([-1 if v is None else v for v in values], dtype=np.int64)


def _money(values: list[int | None]) -> list[Any]:
    empty = bulk.null()
    return [empty if v is None else plain_yuan(v) for v in values]


@dataclass
class _Decided:
    """What a plan's events and procedure say about the case row (one list per column)."""

    towns: list[int]
    intake_region: list[int]
    investigator: list[int | None]
    decided_by: list[int | None]
    decided_at: list[dt.datetime | None]
    dues: list[dt.date | None]
    monthly: list[int | None]
    one_off: list[int | None]
    notice_ends: list[dt.date | None]
    advance_due: list[dt.datetime | None]
    authorised: list[dt.datetime | None]
    signed: list[dt.datetime | None]


def _decided(plans: list[Plan], ps: ParameterSet, days: Days) -> _Decided:
    procedure = Procedure.from_set(ps)
    notice_days, advance_hours = procedure.notice_days, procedure.advance_aid_hours
    out = _Decided([], [], [], [], [], [], [], [], [], [], [], [])
    for pl in plans:
        town = town_of_village(pl.household.village)
        out.towns.append(town)
        out.intake_region.append(pl.household.village if pl.channel == Channel.VILLAGE else town)
        investigating = pl.status in PAST_INVESTIGATION and not pl.is_advance
        out.investigator.append(pl.events[2][1] if investigating else None)
        decision = next((e for e in pl.events if e[2] in DECISIONS), None)
        out.decided_by.append(decision[1] if decision else None)
        out.decided_at.append(decision[0] if decision else None)
        clock_runs = pl.accepted_on is not None and not pl.is_advance
        out.dues.append(days.due(pl.accepted_on) if clock_runs and pl.accepted_on else None)
        out.monthly.append(pl.monthly_fen if decision and not pl.is_advance else None)
        out.one_off.append(pl.one_off_fen if pl.advance_granted else None)
        out.notice_ends.append(
            pl.notice_starts_on + dt.timedelta(days=notice_days - 1)
            if pl.notice_starts_on
            else None
        )
        assert pl.submitted_at is not None
        out.advance_due.append(
            pl.submitted_at + dt.timedelta(hours=advance_hours) if pl.is_advance else None
        )
        out.authorised.append(pl.submitted_at if pl.authorised else None)
        out.signed.append(pl.submitted_at if pl.signed else None)
    return out


def _case_table(
    plans: list[Plan], numbers: list[str], reasons: list[str], stamps: Stamps, decided: _Decided
) -> Table:
    codes = dict(Region.objects.filter(pk__in=set(decided.intake_region)).values_list("pk", "code"))
    n = len(plans)
    return Table(
        Case._meta.db_table,
        [
            Column("id", "int", _ints([pl.case_id for pl in plans])),
            Column("number", "text", numbers),
            Column("household_id", "int", _ints([pl.household.id for pl in plans])),
            Column(
                "applicant_id", "int", _ints([pl.beneficiary or pl.household.head for pl in plans])
            ),
            Column("beneficiary_id", "nint", _ids([pl.beneficiary for pl in plans])),
            Column("programme", "text", [str(pl.programme) for pl in plans]),
            Column("temporary_kind", "text", [str(pl.temporary_kind) for pl in plans]),
            Column("temporary_expense", "text", _money([pl.hardship_fen for pl in plans])),
            Column("temporary_expense_kind", "text", [str(pl.hardship_kind) for pl in plans]),
            Column("temporary_evidence", "text", [pl.hardship_evidence for pl in plans]),
            Column("school_stage", "text", [""] * n),
            Column("school_term", "text", [bulk.null()] * n),
            Column("single_person_unit", "bool", np.zeros(n, dtype=bool)),
            Column("status", "text", [str(pl.status) for pl in plans]),
            Column("channel", "text", [str(pl.channel) for pl in plans]),
            Column("intake_region_id", "int", _ints(decided.intake_region)),
            Column("responsible_town_id", "int", _ints(decided.towns)),
            Column("intake_code", "text", [codes[r] for r in decided.intake_region]),
            # Routed by registration, as services.route: the village code of registration.
            Column("responsible_code", "text", [pl.household.code for pl in plans]),
            Column("reason", "text", reasons),
            Column("special_hardship", "bool", np.array([pl.special_hardship for pl in plans])),
            Column(
                "advance_for_id",
                "nint",
                _ids([pl.main.case_id if pl.main else None for pl in plans]),
            ),
            Column("authorisation_signed_at", "text", stamps.text(decided.authorised)),
            Column("commitment_signed_at", "text", stamps.text(decided.signed)),
            Column("submitted_at", "text", stamps.text([pl.submitted_at for pl in plans])),
            Column("accepted_on", "text", date_texts([pl.accepted_on for pl in plans])),
            Column("decision_due", "text", date_texts(decided.dues)),
            Column("advance_due_at", "text", stamps.text(decided.advance_due)),
            Column("paused_since", "text", [bulk.null()] * n),
            Column("paused_working_days", "int", np.zeros(n, dtype=np.int64)),
            Column("investigator_id", "nint", _ids(decided.investigator)),
            Column("decided_at", "text", stamps.text(decided.decided_at)),
            Column("decided_by_id", "nint", _ids(decided.decided_by)),
            Column("monthly_amount", "text", _money(decided.monthly)),
            Column("one_off_amount", "text", _money(decided.one_off)),
            Column("decision_note", "text", [""] * n),
            Column("explanation", "text", ["{}"] * n),
            Column("notice_starts_on", "text", date_texts([pl.notice_starts_on for pl in plans])),
            Column("notice_ends_on", "text", date_texts(decided.notice_ends)),
            # Each transition after the submission (or the opening) raised it by one.
            Column("version", "int", _ints([len(pl.events) - 1 for pl in plans])),
            Column("created_by_id", "int", _ints([pl.events[0][1] or 0 for pl in plans])),
            Column("updated_at", "text", stamps.text([pl.events[-1][0] for pl in plans])),
        ],
    )


def _event_table(plans: list[Plan], stamps: Stamps) -> Table:
    events = [(pl.case_id, e) for pl in plans for e in pl.events]
    return Table(
        CaseEvent._meta.db_table,
        [
            Column("id", "int", bulk.next_ids(CaseEvent, len(events))),
            Column("case_id", "int", _ints([c for c, _ in events])),
            Column("at", "text", stamps.text([e[0] for _, e in events])),
            Column("actor_id", "nint", _ids([e[1] for _, e in events])),
            Column("action", "text", [str(e[2]) for _, e in events]),
            Column("from_status", "text", [str(e[3]) for _, e in events]),
            Column("to_status", "text", [str(e[4]) for _, e in events]),
            Column("comment", "text", [e[5] for _, e in events]),
            Column("data", "text", [json.dumps(e[6], ensure_ascii=False) for _, e in events]),
        ],
    )


def _visit_table(plans: list[Plan]) -> Table:
    visits = [(pl, e) for pl in plans for e in pl.events if e[2] == Action.RECORD_HOME_VISIT]
    return Table(
        HomeVisit._meta.db_table,
        [
            Column("id", "int", bulk.next_ids(HomeVisit, len(visits))),
            Column("case_id", "int", _ints([pl.case_id for pl, _ in visits])),
            Column("visited_on", "text", [e[6]["visited_on"] for _, e in visits]),
            Column("lead_staff_id", "int", _ints([e[1] or 0 for _, e in visits])),
            Column("second_staff", "text", [e[6]["second_staff"] for _, e in visits]),
            Column("checklist", "text", [CHECKLIST] * len(visits)),
            Column("findings", "text", [e[5] for _, e in visits]),
            Column("household_signed", "bool", np.ones(len(visits), dtype=bool)),
        ],
    )


def _payment_table(plans: list[Plan], stamps: Stamps) -> Table:
    granted = [pl for pl in plans if pl.advance_granted]
    return Table(
        AdvancePayment._meta.db_table,
        [
            Column("id", "int", bulk.next_ids(AdvancePayment, len(granted))),
            Column("case_id", "int", _ints([pl.case_id for pl in granted])),
            Column("amount", "text", _money([pl.one_off_fen for pl in granted])),
            Column("method", "text", [ADVANCE_AID_METHOD] * len(granted)),
            Column("paid_at", "text", stamps.text([pl.events[-1][0] for pl in granted])),
            Column("recorded_by_id", "int", _ints([pl.events[-1][1] or 0 for pl in granted])),
        ],
    )


def write_plans(
    plans: list[Plan],
    rng: np.random.Generator,
    stamps: Stamps,
    today: dt.date,
    ps: ParameterSet,
    days: Days,
) -> CaseLoadResult:
    """Give the plans ids and numbers and write them, with their events, home visits,
    advance payments and recipients, through jiuzhu.cases.bulk."""
    result = CaseLoadResult()
    if not plans:
        return result
    for plan, case_id in zip(plans, bulk.next_ids(Case, len(plans)).tolist(), strict=True):
        plan.case_id = case_id
    numbers = _numbers(plans)
    reasons = _reasons(plans, numbers, rng)
    decided = _decided(plans, ps, days)
    in_force = [pl for pl in plans if pl.status == Status.IN_FORCE and not pl.is_advance]
    events = _event_table(plans, stamps)
    recipients = _recipients(in_force, today)
    bulk.write(
        [
            _case_table(plans, numbers, reasons, stamps, decided),
            events,
            recipients,
            _visit_table(plans),
            _payment_table(plans, stamps),
        ]
    )
    result.cases = len(plans)
    result.open_cases = sum(1 for pl in plans if pl.status in OPEN_STATUSES)
    result.recipients = recipients.rows
    result.events = events.rows
    return result
