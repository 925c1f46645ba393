"""Helpers shared by the API tests."""

from typing import Any

from rest_framework.test import APIClient

from jiuzhu.core.models import AuditEntry, Region, User
from jiuzhu.core.roles import two_factor_required
from jiuzhu.registry.models import Asset, Household, Income, Membership, Person
from tests import factories
from tests.factories import head_of

__all__ = [
    "counts",
    "created",
    "head_of",
    "household_payload",
    "member_payload",
    "signed_in",
]


def signed_in(user: User) -> APIClient:
    """An API client with the user's web session, past the second step when they must use
    one: the only way such a user is issued a token."""
    client = APIClient()
    client.force_login(User.objects.get(pk=user.pk))  # as stored (a test may change it)
    if two_factor_required(user):
        factories.pass_second_step(client, user)
    return client


def counts() -> dict[str, int]:
    """Rows that a failed write must leave untouched."""
    return {
        model.__name__: model.objects.count()
        for model in (Household, Person, Membership, Income, Asset, AuditEntry)
    }


def created(api: APIClient, path: str, payload: Any) -> dict[str, Any]:
    """POST a JSON payload that must create a record (201); the record as answered."""
    response = api.post(path, payload, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def member_payload(village: Region, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id_number": factories.id_number(),
        "name": "张三",
        "relation": "head",
        "hukou_type": "rural",
        "residence_region": village.code,
        "registered_region": village.code,
        "phone": "13800000000",
        "disability_grade": 0,
        "disability_category": "",
        "serious_illness": False,
        "labour_capacity": "full",
        "co_resident": True,
    }
    data.update(overrides)
    return data


def household_payload(village: Region, members: list[dict[str, Any]] | None = None, **extra: Any):
    data: dict[str, Any] = {
        "registered_region": village.code,
        "residence_region": village.code,
        "area_type": "rural",
        "address": "东阿村1组1号",
        "members": members if members is not None else [member_payload(village)],
    }
    data.update(extra)
    return data
