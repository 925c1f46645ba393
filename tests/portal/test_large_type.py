"""Large type: one tap on any portal page, kept in a cookie, without script."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_large_type_turns_on_and_off_and_stays_in_the_portal():
    client = Client()
    assert '<body class="portal">' in client.get("/portal/assess/").content.decode()
    response = client.get("/portal/large-type/", {"next": "/portal/assess/"})
    assert response.status_code == 302 and response["Location"] == "/portal/assess/"
    page = client.get("/portal/assess/").content.decode()
    assert '<body class="portal large">' in page and "标准字号" in page
    client.get("/portal/large-type/", {"next": "/portal/assess/"})
    assert '<body class="portal">' in client.get("/portal/assess/").content.decode()
    # Never a way off the site.
    away = client.get("/portal/large-type/", {"next": "https://example.com/"})
    assert away["Location"] == "/portal/sign-in/"
