import pytest

from jiuzhu.registry.models import Household
from tests import factories
from tests.e2e.conftest import log_in

# serialized_rollback keeps the shipped policy parameters (data migrations) between tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def fill_member(page, index, name, id_number, relation, village):
    prefix = f"#id_members-{index}-"
    page.fill(prefix + "name", name)
    page.fill(prefix + "id_number", id_number)
    page.select_option(prefix + "relation", relation)
    page.select_option(prefix + "residence_region", str(village.pk))
    page.select_option(prefix + "registered_region", str(village.pk))


def test_log_in_create_a_household_with_two_members_and_find_it_by_initials(
    page, live_server, dong_e_assistant, dong_e_village
):
    log_in(page, live_server, dong_e_assistant, factories.PASSWORD)
    page.click("text=新建家庭")
    page.wait_for_url("**/households/new/")
    page.wait_for_load_state()
    page.select_option("#id_registered_region", str(dong_e_village.pk))
    page.select_option("#id_residence_region", str(dong_e_village.pk))
    head_id = factories.id_number()
    fill_member(page, 0, "赵大勇", head_id, "head", dong_e_village)
    page.click("#add-member")
    page.wait_for_selector("#id_members-1-name")
    fill_member(page, 1, "孙小芳", factories.id_number(sex="F"), "spouse", dong_e_village)
    page.click("button:has-text('保存')")
    page.wait_for_selector("h1:has-text('家庭档案')")
    household = Household.objects.get()
    members = household.memberships.order_by("pk").values_list("person__name", "relation")
    assert list(members) == [("赵大勇", "head"), ("孙小芳", "spouse")]
    assert household.number.startswith(dong_e_village.code)

    page.click("nav >> text=家庭档案")
    page.wait_for_url("**/households/")
    page.wait_for_load_state()
    requested: list[str] = []  # every URL the search journey asks for, htmx's included
    page.on("request", lambda request: requested.append(request.url))
    page.fill("#id_q", "zdy")  # 赵大勇 by pinyin initials, live search through htmx
    page.wait_for_selector(f"#results >> text={household.number}")
    page.fill("#id_q", "")
    page.wait_for_selector(f"#results >> text={household.number}", state="detached")
    page.fill("#id_q", head_id)  # the full ID number: live search posts it, never a URL
    page.wait_for_selector(f"#results >> text={household.number}")
    page.click("button:has-text('查询')")  # the form posts too (with its CSRF token)
    page.wait_for_load_state()
    page.wait_for_selector(f"#results >> text={household.number}")
    page.click("#results >> text=赵大勇")
    page.wait_for_selector("text=孙小芳")
    assert requested and not [url for url in requested if head_id in url or "?q=" in url]


def test_wrong_id_number_shows_a_chinese_message(
    page, live_server, dong_e_assistant, dong_e_village
):
    log_in(page, live_server, dong_e_assistant, factories.PASSWORD)
    page.goto(f"{live_server.url}/households/new/")
    page.select_option("#id_registered_region", str(dong_e_village.pk))
    page.select_option("#id_residence_region", str(dong_e_village.pk))
    good = factories.id_number()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    fill_member(page, 0, "钱多多", wrong, "head", dong_e_village)
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=身份证号校验码错误，请核对。")
    assert not Household.objects.exists()


def test_household_page_on_a_phone(phone, live_server, dong_e_assistant, dong_e_village):
    household = factories.household(dong_e_assistant, dong_e_village)
    log_in(phone, live_server, dong_e_assistant, factories.PASSWORD)
    phone.goto(f"{live_server.url}/households/{household.pk}/")
    phone.wait_for_selector("h1")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide on a 375px screen"
    phone.click("text=菜单")
    phone.wait_for_selector("nav >> text=家庭档案", state="visible")
