import datetime as dt

import pytest
from django.utils import timezone

from jiuzhu.cases.models import Case, Channel
from jiuzhu.core.roles import Role
from jiuzhu.outreach import services
from jiuzhu.outreach.models import Lead, LeadStatus, MonitoringWarning, Visit
from jiuzhu.registry.models import Relation
from tests import factories
from tests.e2e.conftest import log_in
from tests.factories import head_of
from tests.outreach.conftest import PNG

# serialized_rollback keeps the shipped policy parameters (data migrations) between tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def fits(phone) -> bool:
    return phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_volunteer_files_a_lead_on_a_phone_and_the_town_turns_it_into_an_application(
    phone, page, live_server, dong_e_village, dong_e_assistant, county_admin
):
    volunteer = factories.user(Role.VOLUNTEER, dong_e_village)
    household = factories.household(
        county_admin,
        dong_e_village,
        members=[factories.born(Relation.HEAD, "孙老汉", dong_e_village, dt.date(1941, 2, 3))],
    )
    log_in(phone, live_server, volunteer, factories.PASSWORD)
    phone.click("text=菜单")
    phone.click("nav >> text=上报线索")
    phone.wait_for_url("**/outreach/leads/new/")
    assert fits(phone)
    phone.select_option("#id_region", str(dong_e_village.pk))
    phone.fill("#id_person_name", "孙老汉")
    phone.fill("#id_address", "东阿村三组12号")
    phone.select_option("#id_hardship", "elderly_alone")
    phone.select_option("#id_urgency", "urgent")
    phone.fill("#id_description", "八十五岁独居，冬天无取暖。")
    phone.set_input_files(
        "#id_photos",
        files=[{"name": "屋内.pdf", "mimeType": "image/png", "buffer": b"%PDF-1.4 not a photo"}],
    )
    phone.click("button:has-text('上报')")
    phone.wait_for_selector("text=文件“屋内.pdf”不是照片，只能上传JPG或PNG图片。")
    assert not Lead.objects.exists()
    phone.set_input_files(
        "#id_photos", files=[{"name": "屋内.png", "mimeType": "image/png", "buffer": PNG}]
    )
    phone.click("button:has-text('上报')")
    phone.wait_for_selector("h1:has-text('线索')")
    lead = Lead.objects.get()
    assert phone.is_visible(f"text=线索{lead.number}已上报")
    assert fits(phone) and lead.photos.count() == 1

    log_in(page, live_server, dong_e_assistant, factories.PASSWORD)
    page.click("nav >> text=困难线索")
    page.click(f"text={lead.number}")
    page.fill("#id_household_number", household.number)
    page.click("button:has-text('关联')")
    page.wait_for_selector("text=已关联家庭档案")
    page.select_option("#id_programme", "dibao")
    page.select_option("#id_applicant", str(head_of(household).pk))
    page.click("button:has-text('登记申请')")
    page.wait_for_selector("#outcome >> text=已转入救助申请")
    case = Case.objects.get()
    assert (case.channel, case.household) == (Channel.REFERRAL, household)
    assert Lead.objects.get().status == LeadStatus.APPLICATION

    phone.click("text=菜单")
    phone.click("nav >> text=困难线索")
    phone.wait_for_selector(f"text={lead.number}")
    phone.click(f"text={lead.number}")
    phone.wait_for_selector(f"#outcome >> text={case.number}")
    assert fits(phone)


def test_a_village_coordinator_records_a_visit_on_a_phone(
    phone, live_server, dong_e_village, county_admin
):
    coordinator = factories.user(Role.VILLAGE_COORDINATOR, dong_e_village)
    household = factories.household(
        county_admin,
        dong_e_village,
        members=[factories.born(Relation.HEAD, "孙老汉", dong_e_village, dt.date(1941, 2, 3))],
    )
    today = timezone.localdate()
    services.add_visit_target(
        coordinator, head_of(household), "elderly_alone", today - dt.timedelta(days=40)
    )
    log_in(phone, live_server, coordinator, factories.PASSWORD)
    phone.click("text=菜单")
    phone.click("nav >> text=探访帮扶")
    phone.wait_for_selector(".tag.overdue >> text=逾期")
    assert fits(phone)
    phone.click("text=孙老汉")
    phone.fill("#id_findings", "精神尚可，屋内无取暖设备。")
    phone.fill("#id_needs", "冬季取暖")
    phone.check("text=资源链接")
    phone.check("text=情绪疏导")
    phone.set_input_files(
        "#id_photos", files=[{"name": "探访.png", "mimeType": "image/png", "buffer": PNG}]
    )
    phone.click("button:has-text('保存探访记录')")
    phone.wait_for_selector("text=探访记录已保存。")
    phone.wait_for_selector("text=服务：情绪疏导、资源链接")
    assert fits(phone)
    visit = Visit.objects.get()
    assert (visit.visitor, visit.visited_on, visit.photos.count()) == (coordinator, today, 1)


def test_the_town_handles_a_warning_from_its_worklist(
    page, live_server, dong_e_village, dong_e_assistant, county_admin
):
    household = factories.household(
        county_admin,
        dong_e_village,
        members=[factories.born(Relation.HEAD, "赵大山", dong_e_village, dt.date(1975, 3, 4))],
    )
    today = timezone.localdate()
    MonitoringWarning.objects.create(
        key="disaster_damage:1",
        rule="disaster_damage",
        household=household,
        person=head_of(household),
        town_code="370124102000",
        evidence={"source_date": str(today), "amount_fen": 800_000, "detail": "受灾 暴雨 房屋倒塌"},
        raised_at=timezone.now(),
        handling_due=today - dt.timedelta(days=1),
    )
    log_in(page, live_server, dong_e_assistant, factories.PASSWORD)
    page.click("text=超过处置时限的监测预警")
    page.wait_for_url("**/outreach/warnings/")
    card = page.locator(".card.warning", has_text="赵大山")
    assert "遭受自然灾害损失" in card.inner_text() and "核定损失 8,000.00 元" in card.inner_text()
    card.locator("select[name=handling]").select_option("application")
    card.locator("input[name=note]").fill("   ")  # blank once the spaces are trimmed
    card.locator("button:has-text('记录处置')").click()
    page.wait_for_selector("text=请选择处置方式并填写处置说明。")
    assert MonitoringWarning.objects.get().handled_at is None
    card = page.locator(".card.warning", has_text="赵大山")
    card.locator("select[name=handling]").select_option("application")
    card.locator("input[name=note]").fill("已受理临时救助申请")
    card.locator("button:has-text('记录处置')").click()
    page.wait_for_selector("text=处置情况已记录。")
    page.wait_for_selector("td:has-text('已受理临时救助申请')")
    handled = MonitoringWarning.objects.get()
    assert (handled.handling, handled.handled_by) == ("application", dong_e_assistant)
    page.goto(live_server.url + "/")
    page.wait_for_selector("text=今天没有待办事项。")
