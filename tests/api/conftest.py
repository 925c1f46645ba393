"""Fixtures for the API tests: two towns of 平阴县, staff of each role, a token client."""

import datetime as dt
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from jiuzhu.core.models import Region, User
from jiuzhu.core.roles import Role
from jiuzhu.core.tokens import allowed_scopes, issue_token
from jiuzhu.registry.models import Household
from tests import factories


@pytest.fixture
def dong_e() -> Region:
    return factories.town("370124102", "东阿镇")


@pytest.fixture
def rose() -> Region:
    return factories.town("370124106", "玫瑰镇")


@pytest.fixture
def dong_e_village(dong_e: Region) -> Region:
    return factories.village(dong_e, 201, "东阿村")


@pytest.fixture
def dong_e_village2(dong_e: Region) -> Region:
    return factories.village(dong_e, 202, "西阿村")


@pytest.fixture
def rose_village(rose: Region) -> Region:
    return factories.village(rose, 201, "玫瑰村")


@pytest.fixture
def assistant(dong_e: Region) -> User:
    """A town assistant of 东阿镇: full ID numbers, may edit."""
    return factories.user(Role.TOWN_ASSISTANT, dong_e)


@pytest.fixture
def make_user() -> Callable[..., User]:
    return factories.user


@pytest.fixture
def client_for() -> Callable[[User | None], APIClient]:
    """An API client that authenticates as the user with a token carrying every scope the
    user's role allows (or anonymously)."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            _, clear = issue_token(user, allowed_scopes(user))
            client.credentials(HTTP_AUTHORIZATION=f"Token {clear}")
        return client

    return make


@pytest.fixture
def api(client_for: Callable[[User | None], APIClient], assistant: User) -> APIClient:
    return client_for(assistant)


@pytest.fixture
def dong_e_household(dong_e_village: Region) -> Household:
    return factories.household(
        village_region=dong_e_village,
        members=[
            factories.member("head", "王建国", dong_e_village),
            factories.member(
                "spouse",
                "李秀英",
                dong_e_village,
                id_number=factories.id_number(dt.date(1972, 3, 8), "F"),
            ),
        ],
        address="东阿村3组12号",
    )


@pytest.fixture
def rose_household(rose_village: Region) -> Household:
    return factories.household(
        village_region=rose_village,
        members=[factories.member("head", "赵玫", rose_village)],
    )
