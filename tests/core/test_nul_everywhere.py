"""A NUL character (\\x00) in any parameter of any staff or public page is refused in
Chinese, never a server error (PostgreSQL cannot hold or compare it; issue 19)."""

import pytest
from django import forms
from django.test import Client
from rest_framework import serializers

from jiuzhu.core.inputs import NUL_REFUSAL, SUBMISSION_REFUSAL
from jiuzhu.core.rest.fields import Text
from jiuzhu.core.roles import Role
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

NUL = "\x00"
FIELDS = [
    "q", "status", "programme", "year", "page", "town", "village", "key", "on", "task",
    "partial", "format", "next", "month", "area", "value", "source", "note", "effective_from",
    "region", "amount", "weakness", "action", "reason", "household", "household_id",
    "intake_id_number", "from_month", "to_month", "instalment", "bank", "decision", "date",
    "is_working_day", "username", "since", "until", "level", "member_row",
]  # fmt: skip
PAGES = [
    "/", "/households/", "/households/new/", "/cases/", "/cases/new/", "/cases/overdue/",
    "/cases/spot-checks/", "/core/calendar/", "/core/regions/", "/core/access-log/",
    "/funds/", "/funds/budgets/", "/payments/", "/payments/claims/", "/policy/calculator/",
    "/policy/standards/", "/policy/simulation/", "/verification/extracts/",
    "/verification/jobs/", "/notice/", "/portal/progress/",
]  # fmt: skip


def _poisoned(extra: str = "") -> dict[str, str]:
    return {name: f"1{NUL}{extra}" for name in FIELDS}


@pytest.fixture
def clients(dong_e_village, county_admin):
    town = dong_e_village.parent
    factories.household(county_admin, dong_e_village)
    return {
        "county_admin": client_for(county_admin),
        "assistant": client_for(factories.user(Role.TOWN_ASSISTANT, town, username="nul_a")),
        "approver": client_for(factories.user(Role.TOWN_APPROVER, town, username="nul_b")),
        "anonymous": Client(),
    }


@pytest.mark.parametrize("page", PAGES)
def test_nul_in_any_parameter_is_refused_in_chinese_never_a_server_error(clients, page):
    """Every page, signed in or not, GET or POST, all parameters poisoned or just one: 400
    with the refusal in the site's frame, before the view reads anything."""
    for who, client in clients.items():
        for data in (_poisoned(), {"note": "说明" + NUL}, {NUL: "1"}):
            for method in ("get", "post"):
                response = getattr(client, method)(page, data)
                assert response.status_code == 400, (who, method, page, data)
                assert SUBMISSION_REFUSAL in response.content.decode(), (who, method, page)


def test_clean_requests_pass_the_guard(clients):
    assert clients["assistant"].get("/households/", {"q": "张"}).status_code == 200
    assert clients["anonymous"].get("/notice/").status_code == 200


def test_every_form_and_api_string_field_says_the_same_chinese_refusal():
    """Django's and DRF's CharField both run ProhibitNullCharactersValidator; core sets its
    message once (Django's own translation says "empty string", which misleads)."""
    form_field = forms.CharField()
    with pytest.raises(forms.ValidationError) as refused:
        form_field.clean("张\x00三")
    assert refused.value.messages == [NUL_REFUSAL]
    for api_field in (serializers.CharField(), Text()):
        with pytest.raises(serializers.ValidationError) as refused:
            api_field.run_validation("张\x00三")
        assert refused.value.detail == [NUL_REFUSAL]
