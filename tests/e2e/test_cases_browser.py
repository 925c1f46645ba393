import pytest
from django.utils import timezone

from jiuzhu.cases import services
from jiuzhu.cases.models import Case
from tests import factories
from tests.cases.conftest import investigate, submit
from tests.e2e.conftest import log_in
from tests.factories import head_of

# serialized_rollback keeps the shipped policy parameters (data migrations) between tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def act(page, action, fields=None):
    form = page.locator(f"#act-{action}")
    for name, value in (fields or {}).items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages")


def test_town_assistant_takes_an_application_from_intake_to_notice(
    page, live_server, staff, poor_household
):
    assistant, approver = staff["assistant"], staff["approver"]
    log_in(page, live_server, assistant, factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/new/")
    page.fill("#id_id_number", head_of(poor_household).id_number)
    page.click("button:has-text('查找家庭档案')")
    page.select_option("#id_programme", "dibao")
    page.fill("#id_reason", "老两口年老体弱，收入很低。")
    page.check("#id_commitment_signed")
    page.set_input_files(
        "#id_authorisation_scan",
        files=[{"name": "授权书.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 signed"}],
    )
    page.click("button:has-text('登记申请')")
    page.wait_for_selector("h1:has-text('申请')")
    case = Case.objects.get()
    submitted_on = str(timezone.localdate(case.submitted_at))  # the county's date, not UTC's

    act(page, "accept")
    act(page, "start_investigation")
    act(
        page,
        "record_home_visit",
        {
            "visited_on": submitted_on,
            "second_staff": "李协理员",
            "findings": "情况属实",
        },
    )
    act(page, "complete_investigation")
    act(
        page,
        "record_community_review",
        {"held_on": submitted_on, "participants": "9", "outcome": "同意"},
    )
    page.click("text=退出")
    log_in(page, live_server, approver, factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    act(page, "approve")
    page.wait_for_selector("text=公示中")
    case.refresh_from_db()
    assert case.status == "notice"

    page.goto(f"{live_server.url}/notice/?town=370124102000")
    page.wait_for_selector("text=王*汉")


def test_public_notice_on_a_phone(phone, live_server, staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    investigate(case, staff["assistant"])
    services.approve(staff["approver"], case, case.version)
    phone.goto(f"{live_server.url}/notice/")
    phone.wait_for_selector("text=王*汉")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.select_option("#town", "370124102000")
    phone.wait_for_url("**town=370124102000**")
    phone.wait_for_selector("text=王*汉")
