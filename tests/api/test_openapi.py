"""The OpenAPI document describes every endpoint."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

EXPECTED = {
    "/api/policy/calculate": {"post"},
    "/api/auth/token/": {"post", "delete"},
    "/api/regions/": {"get"},
    "/api/households/": {"get", "post"},
    "/api/households/search/": {"post"},
    "/api/households/{household_id}/": {"get", "patch"},
    "/api/households/{household_id}/members/": {"post"},
    "/api/households/{household_id}/incomes/": {"post"},
    "/api/households/{household_id}/incomes/{income_id}/": {"delete"},
    "/api/households/{household_id}/assets/": {"post"},
    "/api/households/{household_id}/assets/{asset_id}/": {"delete"},
    "/api/persons/{person_id}/": {"get", "patch"},
    "/api/persons/{person_id}/move/": {"post"},
    "/api/persons/{person_id}/leave/": {"post"},
    "/api/sharing/recipients/": {"get"},
    "/api/sharing/children/": {"get"},
    "/api/sharing/cases/": {"get"},
    "/api/sharing/payments/": {"get"},
    "/api/sharing/verification-reports/": {"get"},
}


def test_openapi_json_lists_every_endpoint_with_chinese_summaries():
    response = APIClient().get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = {
        path: set(methods) - {"parameters"}
        for path, methods in schema["paths"].items()
        if path != "/api/openapi.json"
    }
    assert paths == EXPECTED
    for path, methods in EXPECTED.items():
        for method in methods:
            operation = schema["paths"][path][method]
            assert any("\u4e00" <= c <= "\u9fff" for c in operation["summary"]), (path, method)
            assert operation["tags"]
            statuses = set(operation["responses"])
            assert statuses & {"200", "201", "204"}, (path, method)
            if (path, method) != ("/api/auth/token/", "post"):
                assert "401" in statuses
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    member = schema["components"]["schemas"]["MemberInput"]
    assert "id_number" in member["properties"]
    assert member["properties"]["id_number"]["maxLength"] == 18


def test_schema_generation_has_no_warnings(capsys):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_schema_states_the_strict_input_rules():
    """What the serializers enforce, the document says: no unknown keys, required strings
    not empty, null only where allowed, amounts as decimal strings or numbers, paging in range."""
    schema = APIClient().get("/api/openapi.json").json()
    components = schema["components"]["schemas"]
    for name in ("MemberInput", "HouseholdCreate", "Leave", "Move", "IncomeInput", "Calculate"):
        assert components[name]["additionalProperties"] is False, name
    member = components["MemberInput"]["properties"]
    assert member["name"]["minLength"] == 1 and member["id_number"]["minLength"] == 1
    assert "minLength" not in member["phone"]
    assert member["registered_region"]["nullable"] is True
    assert "nullable" not in member["residence_region"]
    amount = components["IncomeInput"]["properties"]["monthly_amount"]
    assert [option["type"] for option in amount["oneOf"]] == ["string", "number"]
    assert amount["oneOf"][0]["pattern"] == r"^\d{1,12}(\.\d{1,2})?$"
    assert components["Move"]["properties"]["to_household"]["type"] == "integer"
    for path in ("/api/households/", "/api/regions/"):
        parameters = {p["name"]: p["schema"] for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["limit"] == {"type": "integer", "minimum": 1, "maximum": 500}
        assert parameters["offset"] == {"type": "integer", "minimum": 0, "maximum": 10_000_000}
