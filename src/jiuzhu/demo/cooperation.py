"""Demo data for charity and department cooperation: two charity projects, a household of
the first town referred to one with a gift recorded, and an employment application
dispatched to the human resources bureau. Everything goes through the services."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from jiuzhu.cooperation import services
from jiuzhu.core.models import RegionLevel, User
from jiuzhu.core.roles import Role
from jiuzhu.registry.models import Membership, Relation

PROJECTS = [
    (
        "平阴县慈善总会",
        "大病救助",
        "200000",
        "患重病、经医保和医疗救助后自付仍较重的家庭",
        "王主任 0531-87881234",
    ),
    ("平阴县红十字会", "爱心助学", "80000", "在校就读、家庭经济困难的学生", "刘干事 0531-87885678"),
]


@dataclass
class Seeded:
    projects: int
    referrals: int
    gifts: int
    applications: int


def seed_demo(today: dt.date | None = None) -> Seeded:
    """Two projects; in the first town with an assistant, a referral with a gift and one
    dispatched application (none when no town has an assistant or a household)."""
    today = today or timezone.localdate()
    assistant = (
        User.objects.filter(
            role=Role.TOWN_ASSISTANT, is_active=True, region__level=RegionLevel.TOWN
        )
        .order_by("region__code", "pk")
        .first()
    )
    if assistant is None or assistant.region is None:
        return Seeded(0, 0, 0, 0)
    projects = [services.register_project(assistant, *row) for row in PROJECTS]
    town = assistant.region
    heads = list(
        Membership.objects.filter(
            relation=Relation.HEAD,
            end_date__isnull=True,
            household__registered_code__startswith=town.prefix,
        )
        .select_related("household", "person")
        .order_by("household__number")[:2]
    )
    if len(heads) < 2:
        return Seeded(len(projects), 0, 0, 0)
    referral = services.refer(
        assistant, projects[0], heads[0].household, "户主患重病住院，医疗救助后自付仍较重。"
    )
    services.record_gift(
        assistant, referral, "money", "3000", today - dt.timedelta(days=5), "住院费用资助"
    )
    services.dispatch(
        assistant,
        heads[1].person,
        heads[1].household,
        "human_resources",
        "就业援助",
        "户主失业，申请公益性岗位。",
    )
    return Seeded(len(projects), 1, 1, 1)
