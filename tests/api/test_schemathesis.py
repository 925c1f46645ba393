"""Schemathesis over /api/openapi.json with a real token (issue 19): every operation, a
bounded number of generated requests each, valid and invalid; no 5xx, and every answer
conforms to the document (status, content type, body schema, headers), and every request
the document forbids (wrong types, missing or unknown fields, bad paging) is refused.

Left out: `positive_data_acceptance`. The document cannot say that an ID number's check
digit must match, that a region code must exist in the caller's area, or that a password
must be right, so a schema-valid request may rightly get a Chinese 400.
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from jiuzhu.core.roles import Role
from jiuzhu.core.tokens import PARTNER_SCOPES, allowed_scopes, issue_token
from tests import factories
from tests.api.sharing_data import build, officer, partner_client

pytestmark = pytest.mark.django_db

# Bounded for the test run; a deeper sweep: JIUZHU_SCHEMATHESIS_EXAMPLES=500 pytest this file.
MAX_EXAMPLES = int(os.environ.get("JIUZHU_SCHEMATHESIS_EXAMPLES", "25"))

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def connection_kept():
    """Schemathesis calls the WSGI app directly: keep the test's database connection (and
    its transaction) open across requests, as Django's own test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token_headers(connection_kept, dong_e_household, rose_household, dong_e_village, rose_village):
    """Headers per path: a town assistant's token with every scope the role allows, and
    for the shared feeds a county department officer's token with every partner scope
    (over recipients, a child, cases)."""
    town = dong_e_household.registered_region.parent
    user = factories.user(Role.TOWN_ASSISTANT, town, username="schemathesis")
    _, clear = issue_token(user, allowed_scopes(user))
    world = build(dong_e_village, rose_village)
    partner = partner_client(world.admin, officer(factories.county()), *PARTNER_SCOPES)
    return {
        "staff": {"Authorization": f"Token {clear}"},
        "partner": {"Authorization": partner._credentials["HTTP_AUTHORIZATION"]},
    }


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_and_never_fails(case, token_headers):
    who = "partner" if case.path.startswith("/api/sharing/") else "staff"
    headers = token_headers[who]
    # The shared feeds take a token only: a negative case that left out the required
    # Authorization header must stay without one (the token would make it valid again).
    if (
        who == "partner"
        and case.meta is not None
        and case.meta.is_negative_at(ParameterLocation.HEADER)
        and "Authorization" not in (case.headers or {})
    ):
        headers = {}
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
