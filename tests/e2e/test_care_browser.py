"""Browser tests of tekun with a self-care assessment (recorded on the household file →
decision → the payroll line paid to the care home) and of an orphan's allowance approved
and paid to the guardian."""

import datetime as dt

import pytest

from jiuzhu.cases import services
from jiuzhu.cases.models import Case, Status
from jiuzhu.payments import services as payments
from jiuzhu.registry.care import services as registry_care
from jiuzhu.registry.models import Relation
from tests import factories
from tests.cases.conftest import investigate, set_today, submit
from tests.e2e.conftest import log_in
from tests.e2e.test_payments_browser import log_out

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TODAY = dt.date(2026, 12, 1)


def test_tekun_with_an_assessment_from_application_to_payroll_line(
    page, live_server, staff, dong_e, dong_e_village, county_admin, monkeypatch
):
    set_today(monkeypatch, TODAY)
    household = factories.household(
        county_admin,
        dong_e_village,
        members=[
            factories.born(
                Relation.HEAD, "赵老汉", dong_e_village, dt.date(1940, 1, 1), labour_capacity="none"
            )
        ],
    )
    person = factories.head_of(household)
    registry_care.add_institution(
        staff["assistant"],
        "东阿镇敬老院",
        dong_e,
        "12370124MB0000001X",
        "平阴农商银行",
        "6230000012345678",
        "平阴县东阿镇敬老院",
    )
    case = submit(staff["assistant"], household, "tekun", beneficiary=person)
    investigate(case, staff["assistant"])

    # The assistant records the assessment and the care home on the household file.
    log_in(page, live_server, staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/households/{household.pk}/")
    page.click("a:has-text('赵老汉') >> nth=-1")
    page.wait_for_selector("h1:has-text('特困供养与困境儿童信息')")
    form = page.locator("form:has(input[name=kind][value=assessment])")
    form.locator("[name=assessment-assessed_on]").fill("2026-11-01")
    form.locator("[name=assessment-assessor]").fill("王淑芬")
    form.locator("[name=assessment-assessor_unit]").fill("县社会福利中心评估组")
    form.locator("[name=assessment-reassess_by]").fill("2027-12-01")
    for activity in ("bathing", "walking", "toileting", "dressing"):
        form.locator(f"input[value={activity}]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=下次评估期限不能晚于2027年11月01日（至少每年评估一次）。")
    form = page.locator("form:has(input[name=kind][value=assessment])")
    form.locator("[name=assessment-reassess_by]").fill("")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages >> text=已录入生活自理能力评估。")
    assert "失能" in page.inner_text("main") and "下次评估期限 2027年11月1日" in page.inner_text(
        "main"
    )
    form = page.locator("form:has(input[name=kind][value=arrangement])")
    form.locator("[name=arrangement-mode]").select_option("institutional")
    form.locator("[name=arrangement-institution]").select_option(label="东阿镇敬老院")
    form.locator("[name=arrangement-since]").fill("2026-11-25")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages >> text=已登记供养（养育）方式。")
    log_out(page)

    log_in(page, live_server, staff["approver"], factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.locator("#act-approve button[type=submit]").click()
    page.wait_for_selector("text=公示中")
    case.refresh_from_db()
    assert str(case.monthly_amount) == "2338.00"  # rural basic 1,356 + dependent care 982
    log_out(page)

    set_today(monkeypatch, case.notice_ends_on + dt.timedelta(days=1))
    services.close_notice(staff["assistant"], case, case.version)
    payroll = payments.prepare_payroll(staff["assistant"], dt.date(2027, 1, 1), dong_e)
    log_in(page, live_server, staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/payments/{payroll.pk}/lines/")
    row = page.locator("tr:has-text('东阿镇敬老院')")
    assert "2,338.00" in row.inner_text() and "平阴农商银行 尾号5678" in row.inner_text()


def test_an_orphan_is_approved_and_paid_to_the_guardian(
    page, live_server, staff, dong_e, dong_e_village, county_admin, monkeypatch
):
    set_today(monkeypatch, TODAY)
    household = factories.household(
        county_admin,
        dong_e_village,
        members=[
            factories.born(Relation.HEAD, "张奶奶", dong_e_village, dt.date(1958, 3, 1), "F"),
            factories.born(Relation.GRANDCHILD, "张小宝", dong_e_village, dt.date(2012, 5, 1)),
        ],
    )
    child = household.memberships.get(relation=Relation.GRANDCHILD).person
    case = submit(staff["assistant"], household, "children", beneficiary=child)
    investigate(case, staff["assistant"])

    log_in(page, live_server, staff["assistant"], factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/care/{household.pk}/{child.pk}/")
    form = page.locator("form:has(input[name=kind][value=child])")
    form.locator("[name=child-father_status]").select_option("deceased")
    form.locator("[name=child-mother_status]").select_option("deceased")
    form.locator("[name=child-evidence]").fill("父母死亡证明（编号2020-013）")
    form.locator("[name=child-recorded_on]").fill("2026-11-30")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=请选择监护人（基本生活费发放至监护人账户）。")
    form = page.locator("form:has(input[name=kind][value=child])")
    form.locator("[name=child-guardian]").select_option(label="张奶奶（户主）")
    form.locator("[name=child-guardian_relation]").fill("祖母")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".messages >> text=已录入困境儿童认定。")
    assert "孤儿" in page.inner_text("main")
    log_out(page)

    log_in(page, live_server, staff["approver"], factories.PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.locator("#act-approve button[type=submit]").click()
    page.wait_for_selector("text=已生效")
    assert Case.objects.get(pk=case.pk).status == Status.IN_FORCE
    assert str(Case.objects.get(pk=case.pk).monthly_amount) == "1865.00"
    page.goto(f"{live_server.url}/households/{household.pk}/")
    assert "孤儿，监护人张奶奶" in page.inner_text("main")
