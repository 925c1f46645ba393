import subprocess
from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image

from jiuzhu.cases import services
from jiuzhu.cases.models import Case
from jiuzhu.cases.notifications import RecordingSmsBackend
from jiuzhu.registry.models import Income
from tests import factories
from tests.e2e.conftest import log_in
from tests.factories import head_of
from tests.portal.conftest import texted_code

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def camera_photo() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (2400, 3200), (210, 200, 180)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def fits_the_phone(phone) -> None:
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_applicant_applies_on_a_phone_and_follows_to_the_decision_letter(
    phone, page, live_server, staff, poor_household
):
    RecordingSmsBackend.outbox.clear()
    head = head_of(poor_household)
    # Self-assessment first, without signing in.
    phone.goto(f"{live_server.url}/portal/assess/")
    phone.fill("#id_m-0-age", "76")
    phone.select_option("#id_m-0-labour_capacity", "none")
    phone.fill("#id_m-1-age", "73")
    phone.select_option("#id_m-1-labour_capacity", "none")
    phone.fill("#id_monthly_income", "300")
    phone.click("button:has-text('测一测')")
    phone.wait_for_selector("#results >> text=最低生活保障：可以申请")
    fits_the_phone(phone)

    phone.goto(f"{live_server.url}/portal/sign-in/")
    phone.fill("#id_code_id_number", head.id_number)
    phone.fill("#id_code_name", head.name)
    phone.click("button:has-text('获取验证码')")
    phone.wait_for_selector("text=验证码已发送到登记的手机号码")
    phone.fill("#id_sign_code", texted_code(head.phone))
    phone.click("button:has-text('登录')")
    phone.wait_for_selector("h1:has-text('王老汉，您好')")
    fits_the_phone(phone)
    # Large type, for the rest of the journey: still one column on the phone.
    phone.click("text=大字号")
    phone.wait_for_selector("body.large")
    fits_the_phone(phone)

    phone.click("nav >> text=我要申请")
    phone.select_option("#id_programme", "dibao")
    phone.fill("#id_reason", "老两口年老体弱，收入很低。")
    phone.set_input_files(
        "#id_household_booklet",
        files=[{"name": "户口簿.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()}],
    )
    # The household as the applicant declares it: a pension the register lacks.
    phone.select_option("#income_category_0", "pension")
    phone.fill("#income_amount_0", "150")
    phone.check("#id_agree_authorisation")
    phone.check("#id_agree_commitment")
    # Signed with a finger on the pad.
    pad = phone.locator(".signature-pad canvas")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    phone.mouse.move(box["x"] + 20, box["y"] + 70)
    phone.mouse.down()
    for step in range(1, 12):
        phone.mouse.move(box["x"] + 20 + step * 20, box["y"] + 70 + (15 if step % 2 else -15))
    phone.mouse.up()
    fits_the_phone(phone)
    phone.click("button:has-text('提交申请')")
    phone.wait_for_selector("text=申请已提交")
    case = Case.objects.get()
    assert case.channel == "phone" and case.documents.count() == 2
    assert Income.objects.get(household=poor_household, note="申请人手机申报").monthly_amount == 150

    # The town accepts it on its own screen, like any application from its window.
    log_in(page, live_server, staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.locator("#act-accept button[type=submit]").click()
    page.wait_for_selector(".messages")
    phone.reload()
    phone.wait_for_selector("ol.steps >> text=受理")

    case.refresh_from_db()
    assistant = staff["assistant"]
    services.start_investigation(assistant, case, case.version)
    services.record_home_visit(
        assistant,
        case,
        case.version,
        services.HomeVisitInput(
            visited_on=timezone.localdate(),
            second_staff="李协理员",
            findings="情况属实",
            checklist={"members_confirmed": True},
            household_signed=True,
        ),
    )
    services.complete_investigation(assistant, case, case.version)
    if case.status == "community_review":
        services.record_community_review(
            assistant, case, case.version, timezone.localdate(), 9, "一致同意"
        )
    phone.reload()
    href = phone.get_attribute("#home-visit-record", "href")
    assert "入户调查记录" in pdf_text(phone.request.get(f"{live_server.url}{href}").body())
    services.approve(staff["approver"], case, case.version)
    phone.reload()
    phone.wait_for_selector("#decision >> text=批准")
    assert f"每月{case.monthly_amount}元" in phone.inner_text("#decision")
    fits_the_phone(phone)
    href = phone.get_attribute("#decision-letter", "href")
    letter = phone.request.get(f"{live_server.url}{href}")
    assert letter.headers["content-type"] == "application/pdf"
    text = pdf_text(letter.body())
    assert "社会救助审核确认决定书" in text and f"{case.monthly_amount}元" in text
