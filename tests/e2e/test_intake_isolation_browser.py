"""In a browser: another town's window takes an application in (全县通办) with the signed
授权书 scanned, then sees only the case's progress; the town responsible sees the whole file."""

import pytest

from jiuzhu.cases.models import Case
from jiuzhu.registry.models import Relation
from tests import factories
from tests.e2e.conftest import log_in
from tests.factories import head_of

# serialized_rollback keeps the shipped policy parameters (data migrations) between tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SCAN = {"name": "授权书.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 signed"}


def test_another_towns_window_takes_in_and_then_follows_progress_only(
    page, live_server, staff, poor_household
):
    head = head_of(poor_household)
    spouse = poor_household.memberships.get(relation=Relation.SPOUSE).person
    log_in(page, live_server, staff["other_assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/new/")
    page.fill("#id_id_number", head.id_number)
    page.click("button:has-text('查找家庭档案')")
    # Only the person presenting the card is offered; no other member is named.
    assert page.locator("#id_applicant option").all_inner_texts() == ["王老汉（户主）"]
    assert spouse.name not in page.content()
    page.select_option("#id_programme", "dibao")
    page.fill("#id_reason", "老两口年老体弱，收入很低。")
    page.check("#id_commitment_signed")
    page.set_input_files("#id_authorisation_scan", files=[SCAN])
    page.click("button:has-text('登记申请')")
    page.wait_for_selector("#routed")
    case = Case.objects.get()
    assert page.inner_text("#routed") == (
        "本申请已转东阿镇办理。受理地只能查看办理进度和本地登记的内容。"
    )
    assert page.locator("form[id^=act-]").count() == 0
    assert page.locator("text=授权书.pdf").count() == 1
    assert poor_household.number not in page.content()

    page.click("text=退出")
    log_in(page, live_server, staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    assert "待负责的镇（街道）核验" in page.content()
    page.locator("#act-accept button[type=submit]").click()
    page.wait_for_selector(".messages")
    assert "签字人 王老汉" in page.content() and "已核验" in page.content()
    assert page.locator(f"a:has-text('{poor_household.number}')").count() == 1
