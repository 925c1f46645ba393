"""A small county for the sharing and exchange tests: two recipient households in 东阿镇
(one with a child, one ended in June), a tekun recipient in 玫瑰镇, department officers of
the county and of 东阿镇 with partner tokens granted by the county administrator."""

import datetime as dt
from dataclasses import dataclass

from rest_framework.test import APIClient

from jiuzhu.cases.models import Recipient
from jiuzhu.core.models import Region, User
from jiuzhu.core.roles import Role
from jiuzhu.core.tokens import issue_partner_token
from jiuzhu.registry.models import Household, Relation
from tests import factories
from tests.payments.conftest import make_recipient

DECEMBER = dt.date(2026, 12, 1)
CHILD_BIRTH = dt.date(2015, 3, 1)
MOMENTS = [dt.datetime(2026, 11, 3, 9, 0, second, tzinfo=dt.UTC) for second in range(10)]


@dataclass
class World:
    admin: User
    wang: Household  # 东阿镇, dibao, a child
    wang_recipient: Recipient
    zhao: Household  # 玫瑰镇, tekun
    zhao_recipient: Recipient
    li: Household  # 东阿镇, dibao ended in June
    li_recipient: Recipient

    @property
    def wang_child_id(self) -> str:
        return self.wang.memberships.get(relation=Relation.CHILD).person.id_number


def build(dong_e_village: Region, rose_village: Region) -> World:
    admin = factories.user(Role.COUNTY_ADMIN, factories.county(), username="sharing_admin")
    wang = factories.household(
        admin,
        dong_e_village,
        members=[
            factories.born(Relation.HEAD, "王建国", dong_e_village, dt.date(1978, 4, 2)),
            factories.born(Relation.CHILD, "王小明", dong_e_village, CHILD_BIRTH),
        ],
    )
    zhao = factories.household(
        admin,
        rose_village,
        members=[factories.born(Relation.HEAD, "赵玫", rose_village, dt.date(1950, 1, 9), "F")],
    )
    li = factories.household(
        admin,
        dong_e_village,
        members=[factories.born(Relation.HEAD, "李四", dong_e_village, dt.date(1960, 6, 6))],
    )
    world = World(
        admin=admin,
        wang=wang,
        wang_recipient=make_recipient(admin, wang, "650.00", start=dt.date(2026, 2, 1)),
        zhao=zhao,
        zhao_recipient=make_recipient(
            admin, zhao, "980.00", start=dt.date(2026, 7, 1), programme="tekun"
        ),
        li=li,
        li_recipient=make_recipient(admin, li, "300.00", end=dt.date(2026, 7, 1)),
    )
    # Known change times, in the order the rows were made.
    for moment, recipient in zip(
        MOMENTS, (world.wang_recipient, world.zhao_recipient, world.li_recipient), strict=False
    ):
        Recipient.objects.filter(pk=recipient.pk).update(updated_at=moment)
    return world


def officer(region: Region, department: str = "县医疗保障局") -> User:
    return factories.user(Role.DEPARTMENT_OFFICER, region, department=department)


def partner_client(admin: User, user: User, *scopes: str) -> APIClient:
    """A client with a partner token for `scopes`, granted by the county administrator."""
    _, clear = issue_partner_token(admin, user, list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {clear}")
    return client
