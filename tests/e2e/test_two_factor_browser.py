"""Two-factor enrolment in the browser: a town assistant's first sign-in, the key read off
the page as an authenticator app would take it, the recovery codes, the next sign-in."""

from base64 import b32decode

import pytest
from django_otp.oath import totp

from tests import factories

# serialized_rollback keeps the shipped policy parameters (data migrations) between tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def submit_password(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", factories.PASSWORD)
    page.click("button[type=submit]")


def test_first_sign_in_enrols_then_a_recovery_code_signs_in_once(page, live_server, dong_e):
    assistant = factories.user("town_assistant", dong_e)
    refused: list[str] = []  # what the Content-Security-Policy blocked, if anything
    page.on("console", lambda message: refused.append(message.text))

    submit_password(page, live_server, assistant)
    page.wait_for_url(f"{live_server.url}/core/two-factor/enrol/")
    # Until enrolled, every other page leads back here.
    page.goto(f"{live_server.url}/households/")
    page.wait_for_url(f"{live_server.url}/core/two-factor/enrol/?next=%2Fhouseholds%2F")
    assert page.locator(".qr svg").is_visible()
    key = "".join(page.locator("strong.key").inner_text().split())
    assert len(key) == 32
    page.fill("#id_code", "000000")
    page.click("button:has-text('完成绑定')")
    page.wait_for_selector("text=验证失败：验证码或恢复码不正确")
    page.fill("#id_code", f"{totp(b32decode(key)):06d}")  # what the app shows now
    page.click("button:has-text('完成绑定')")
    page.wait_for_selector("text=每个恢复码只能使用一次")
    codes = page.locator("ul.codes li").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    page.click("text=我已保存，继续")
    page.wait_for_url(f"{live_server.url}/households/")
    page.click("nav >> text=两步验证")
    page.wait_for_selector("text=剩余恢复码：10 个")
    page.click("nav >> text=退出")
    page.wait_for_url(f"{live_server.url}/login/")

    # The phone is not at hand: a recovery code, once.
    for attempt in range(2):
        submit_password(page, live_server, assistant)
        page.wait_for_url(f"{live_server.url}/core/two-factor/verify/")
        page.fill("#id_code", codes[0])
        page.click("button:has-text('验证')")
        if attempt == 0:
            page.wait_for_url(f"{live_server.url}/")
            page.wait_for_selector("text=已使用一个恢复码，还剩 9 个")
            page.click("nav >> text=退出")
            page.wait_for_url(f"{live_server.url}/login/")
    page.wait_for_selector("text=验证失败：验证码或恢复码不正确、已用过")
    assert not [text for text in refused if "Content Security Policy" in text]
