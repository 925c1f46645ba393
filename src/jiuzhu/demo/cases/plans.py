"""The demo's plan of a case before it is written: its household, programme, status and
dates, the staff who act on it."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jiuzhu.cases.models import (
    Channel,
)
from jiuzhu.cases.rules import CHUNK
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.roles import Role
from jiuzhu.policy import formulas as f
from jiuzhu.registry.models import Household, Membership, Relation

Array = np.ndarray[Any, Any]


@dataclass
class CaseLoadResult:
    """What a run made, for the command's report."""

    cases: int = 0
    open_cases: int = 0
    overdue: int = 0
    recipients: int = 0
    events: int = 0
    seconds: float = 0.0


@dataclass
class CaseHousehold:
    """What a case needs of its household (read set-based for the chosen ones)."""

    row: int  # row in the formula columns
    id: int
    head: int
    village: int  # region id of registration
    code: str  # registration code (12 digits)
    urban: bool
    members: int


@dataclass
class Plan:
    """One case to write, before ids and numbers are given."""

    household: CaseHousehold
    programme: str
    status: str
    submitted_on: dt.date
    accepted_on: dt.date | None = None
    channel: str = Channel.WINDOW
    beneficiary: int | None = None
    temporary_kind: str = ""
    # Temporary aid's hardship (fen), its kind and evidence (cases.services.Hardship).
    hardship_fen: int | None = None
    hardship_kind: str = ""
    hardship_evidence: str = ""
    special_hardship: bool = False
    signed: bool = True
    authorised: bool = True
    monthly_fen: int | None = None
    notice_starts_on: dt.date | None = None
    decided_on: dt.date | None = None
    closed_on: dt.date | None = None  # in force from (notice closed)
    advance: "Plan | None" = None  # the linked advance-aid case of a special hardship
    main: "Plan | None" = None  # on the advance-aid case: the application it serves
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


@dataclass
class Staff:
    """Demo accounts by region id: the town's assistant and approver, each village's
    coordinator (jiuzhu.demo.accounts)."""

    assistant: dict[int, int] = field(default_factory=dict)
    approver: dict[int, int] = field(default_factory=dict)
    coordinator: dict[int, int] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "Staff":
        """The first active account of each role in each region."""
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


def has_staff(staff: Staff, plan: Plan) -> bool:
    town = town_of_village(plan.household.village)
    return town in staff.assistant and town in staff.approver


# Village id → town id, read once per run (generate_cases clears it).
VILLAGE_TOWN: dict[int, int] = {}


def town_of_village(village: int) -> int:
    if not VILLAGE_TOWN:
        VILLAGE_TOWN.update(
            Region.objects.filter(level=RegionLevel.VILLAGE).values_list("pk", "parent_id")
        )
    return VILLAGE_TOWN.get(village, 0)


def draw_channel(rng: np.random.Generator) -> str:
    return str(rng.choice([Channel.WINDOW, Channel.VILLAGE, Channel.REFERRAL], p=[0.6, 0.33, 0.07]))


def read_households(
    hid: Array, h: f.Households, members: Array, rows: Array
) -> dict[int, CaseHousehold]:
    """What the chosen rows' households need for their cases: head, village and code of
    registration, read from the registry in chunks (households without a head are left out)."""
    if len(rows) == 0:
        return {}
    ids = hid[rows]
    heads: dict[int, int] = {}
    info: dict[int, tuple[int, str]] = {}
    # Chunks of ids keep the IN lists of a big county within what the drivers take.
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK].tolist()
        heads.update(
            Membership.objects.filter(
                relation=Relation.HEAD, end_date__isnull=True, household_id__in=part
            ).values_list("household_id", "person_id")
        )
        households = Household.objects.filter(pk__in=part)
        info.update(
            (pk, (region, code))
            for pk, region, code in households.values_list(
                "pk", "registered_region_id", "registered_code"
            )
        )
    out = {}
    for row, household_id in zip(rows.tolist(), ids.tolist(), strict=True):
        if household_id not in heads:
            continue
        village, code = info[household_id]
        out[row] = CaseHousehold(
            row=row,
            id=household_id,
            head=heads[household_id],
            village=village,
            code=code,
            urban=bool(h.urban[row]),
            members=int(members[row]),
        )
    return out
