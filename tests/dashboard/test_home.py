"""Each role's first page: its tasks, the headline figures of its area, a village's files."""

import datetime as dt

import pytest
from django.utils import timezone

from jiuzhu.cases.models import Case
from jiuzhu.core.roles import Role
from jiuzhu.dashboard.worklist import worklist
from jiuzhu.outreach import services
from jiuzhu.outreach.models import Lead, MonitoringWarning
from tests import factories
from tests.conftest import client_for
from tests.outreach.test_leads import lead_input
from tests.payments.conftest import make_household, make_recipient

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(pay_staff, dong_e_village):
    """Three 东阿镇 cases: one submitted, one overdue, one in notice since last week."""
    admin = pay_staff["admin"]
    today = timezone.localdate()
    rows = {}
    for name, status, due, notice_end in (
        ("甲", "submitted", None, None),
        ("乙", "investigating", today - dt.timedelta(days=3), None),
        ("丙", "notice", None, today - dt.timedelta(days=1)),
    ):
        recipient = make_recipient(admin, make_household(admin, dong_e_village, name))
        Case.objects.filter(pk=recipient.case_id).update(
            status=status, decision_due=due, notice_ends_on=notice_end
        )
        rows[name] = recipient
    return rows


def test_a_town_assistant_sees_what_waits_in_their_town(waiting, pay_staff):
    tasks = {t.label: t.count for t in worklist(pay_staff["assistant"], timezone.localdate())}
    assert tasks == {
        "超过办理时限的申请": 1,
        "待受理的申请": 1,
        "公示期满待生效的申请": 1,
    }
    page = client_for(pay_staff["assistant"]).get("/").content.decode()
    assert "待办事项" in page and '<a href="/cases/overdue/">超过办理时限的申请</a>' in page
    # The urgent first.
    assert page.index("超过办理时限的申请") < page.index("待受理的申请")


def test_another_town_sees_none_of_it(waiting, pay_staff):
    assert worklist(pay_staff["other_assistant"], timezone.localdate()) == []
    page = client_for(pay_staff["other_assistant"]).get("/").content.decode()
    assert "今天没有待办事项。" in page


def test_the_county_sees_its_headline_figures_and_a_village_its_files(waiting, pay_staff):
    county = client_for(pay_staff["admin"]).get("/").content.decode()
    assert "救助人数" in county and "按期办结（近12个月）" in county
    village = client_for(pay_staff["coordinator"]).get("/").content.decode()
    assert "本村（社区）家庭档案" in village and "<strong>3</strong>" in village
    assert "救助人数" not in village


def test_a_department_officer_has_no_case_tasks_or_figures(waiting):
    officer = factories.user(Role.DEPARTMENT_OFFICER, factories.county(), username="dept")
    page = client_for(officer).get("/").content.decode()
    assert "今天没有待办事项。" in page and "救助人数" not in page


def test_town_staff_see_leads_to_triage_and_warnings_to_handle(pay_staff, dong_e_village):
    today = timezone.localdate()
    household = make_household(pay_staff["admin"], dong_e_village, "丁")
    coordinator = pay_staff["coordinator"]
    services.report_lead(coordinator, lead_input(dong_e_village))
    late = services.report_lead(coordinator, lead_input(dong_e_village))
    Lead.objects.filter(pk=late.pk).update(triage_due=today - dt.timedelta(days=1))
    for n, due in enumerate((today, today - dt.timedelta(days=2))):
        MonitoringWarning.objects.create(
            key=f"death:{n}",
            rule="death",
            household=household,
            person=household.memberships.first().person,
            town_code="370124102000",
            raised_at=timezone.now(),
            handling_due=due,
        )
    tasks = {t.label: t.count for t in worklist(pay_staff["assistant"], today)}
    assert tasks == {
        "超过研判时限的困难线索": 1,
        "待研判的困难线索": 2,
        "超过处置时限的监测预警": 1,
        "待处置的监测预警": 2,
    }
    page = client_for(pay_staff["assistant"]).get("/").content.decode()
    assert '<a href="/outreach/warnings/">待处置的监测预警</a>' in page
    assert page.index("超过处置时限的监测预警") < page.index("待研判的困难线索")
    # Another town has none of it; a village coordinator does not triage or handle.
    assert worklist(pay_staff["other_assistant"], today) == []
    assert worklist(coordinator, today) == []
