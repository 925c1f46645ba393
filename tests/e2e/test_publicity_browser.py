"""The public programme pages on a 375-px phone: one column, tappable telephone numbers,
links to the self-check and the application, and an A4 leaflet when printed."""

import re

import pytest

from jiuzhu.core.roles import Role
from jiuzhu.publicity import services
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_programme_pages_on_a_phone_and_as_an_a4_leaflet(phone, live_server, dong_e):
    admin = factories.user(Role.COUNTY_ADMIN, factories.county())
    services.save_office(admin, dong_e, "东阿镇便民服务中心", "东阿镇政府大院", "0531-87451234")
    phone.goto(f"{live_server.url}/guide/")
    phone.click("text=最低生活保障")
    phone.wait_for_selector("h1:has-text('最低生活保障')")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert "农村低保标准：每人每月" in phone.inner_text("main")
    assert phone.get_attribute("a:has-text('0531-87451234')", "href") == "tel:0531-87451234"
    # The buttons are big enough to tap.
    box = phone.locator("a:has-text('自助测算能否申请')").first.bounding_box()
    assert box is not None and box["height"] >= 32
    # Printed: the bar and the buttons go, the leaflet line shows, it fits A4 pages.
    phone.emulate_media(media="print")
    assert not phone.locator(".portal-bar").is_visible()
    assert not phone.locator("a:has-text('在线申请')").first.is_visible()
    assert phone.locator("text=社会救助政策宣传单").is_visible()
    pdf = phone.pdf(format="A4", print_background=False)
    assert pdf.startswith(b"%PDF") and 1 <= len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) <= 2
    phone.emulate_media(media="screen")
    phone.click("a:has-text('自助测算能否申请')")
    phone.wait_for_url(f"{live_server.url}/portal/assess/")
    phone.goto(f"{live_server.url}/guide/standards/")
    phone.wait_for_selector("h1:has-text('历年救助标准')")
    assert "（现行）" in phone.inner_text("main")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
