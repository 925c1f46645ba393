"""Staff alerts: what waits for whom, once per occasion; SMS as each chose, never sensitive."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiuzhu.cases.models import Case, Status
from jiuzhu.cases.notifications import RecordingSmsBackend
from jiuzhu.core.roles import Role
from jiuzhu.core.workdays import Calendar
from jiuzhu.outreach.models import Lead
from jiuzhu.oversight.models import AlertPreference, StaffAlert
from jiuzhu.oversight.staff_alerts.delivery import produce, send_digests
from jiuzhu.payments.models import Payroll
from jiuzhu.verification.models import VerificationJob
from tests import factories
from tests.cases.conftest import poor_household as poor_household  # the fixture
from tests.cases.conftest import submit
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox():
    RecordingSmsBackend.outbox.clear()
    return RecordingSmsBackend.outbox


@pytest.fixture
def world(dong_e, meigui, dong_e_village, county_admin, poor_household):
    """东阿镇's caseworkers and 玫瑰镇's; a case due in two working days, advance aid 13
    hours old, a new lead, a payroll waiting for approval, a finished verification job."""
    now = timezone.now()
    today = timezone.localdate()
    staff = {
        "assistant": factories.user(Role.TOWN_ASSISTANT, dong_e, username="de_a"),
        "approver": factories.user(Role.TOWN_APPROVER, dong_e, username="de_b"),
        "other_town": factories.user(Role.TOWN_ASSISTANT, meigui, username="mg_a"),
        "county": county_admin,
    }
    case = submit(staff["assistant"], poor_household)
    Case.objects.filter(pk=case.pk).update(
        status=Status.ACCEPTED, decision_due=Calendar().add_working_days(today, 2)
    )
    advance = submit(
        staff["assistant"], poor_household, programme="temporary", temporary_kind="emergency"
    )
    Case.objects.filter(pk=advance.pk).update(
        status=Status.ACCEPTED, advance_for=case, submitted_at=now - dt.timedelta(hours=13)
    )
    Lead.objects.create(
        number="XS1",
        reporter=staff["assistant"],
        region=dong_e_village,
        region_code=dong_e_village.code,
        person_name="赵困难",
        address="东阿村",
        hardship="illness",
        urgency="urgent",
        description="生病无人照顾",
        reported_at=now,
        triage_due=today,
    )
    Payroll.objects.create(
        month=today.replace(day=1),
        town=dong_e,
        town_code=dong_e.code,
        status="checked",
        prepared_by=staff["assistant"],
        prepared_at=now,
    )
    VerificationJob.objects.create(
        status="done", scope="region", as_of=today, created_by=staff["approver"], finished_at=now
    )
    return {**staff, "case": case, "advance": advance}


def kinds_of(user):
    return sorted(StaffAlert.objects.filter(user=user).values_list("kind", flat=True))


def test_each_occasion_reaches_those_it_waits_for_once(world, outbox):
    done = produce()
    assert kinds_of(world["assistant"]) == ["advance_aid", "deadline", "lead"]
    assert kinds_of(world["approver"]) == [
        "advance_aid",
        "deadline",
        "lead",
        "payroll",
        "verification",
    ]
    assert kinds_of(world["other_town"]) == []  # another town's
    assert kinds_of(world["county"]) == ["payroll"]  # the county approves payrolls too
    assert done == {"alerts": 9, "sms": 0} and not outbox  # nobody chose SMS
    deadline = StaffAlert.objects.get(user=world["assistant"], kind="deadline")
    assert deadline.text.startswith(f"申请 {world['case'].number} 将于")
    assert deadline.link == f"/cases/{world['case'].pk}/"
    # Idempotent: run again, nothing new, nothing sent.
    assert produce() == {"alerts": 0, "sms": 0}
    assert StaffAlert.objects.count() == 9


def test_a_moved_deadline_is_a_new_alert(world):
    produce()
    later = Calendar().add_working_days(timezone.localdate(), 1)
    Case.objects.filter(pk=world["case"].pk).update(decision_due=later)
    produce()
    assert StaffAlert.objects.filter(user=world["assistant"], kind="deadline").count() == 2


SENSITIVE = re.compile(r"\d{4,}|[A-Z]{2}\d")


def test_sms_each_and_daily_digest_carry_nothing_sensitive(world, outbox):
    AlertPreference.objects.create(user=world["assistant"], sms="each", phone="13900000011")
    AlertPreference.objects.create(user=world["approver"], sms="digest", phone="13900000012")
    produce()
    texts = [text for _, text in outbox]
    assert [phone for phone, _ in outbox] == ["13900000011"] * 3
    assert sorted(texts) == sorted(
        [
            "【社会救助平台】您有一条工作提醒：申请即将到期。请登录平台查看。",
            "【社会救助平台】您有一条工作提醒：先行救助超过12小时未发放。请登录平台查看。",
            "【社会救助平台】您有一条工作提醒：新的困难线索。请登录平台查看。",
        ]
    )
    assert send_digests() == 1
    phone, digest = outbox[-1]
    assert phone == "13900000012"
    assert digest == (
        "【社会救助平台】今日工作提醒汇总：先行救助超过12小时未发放1条，申请即将到期1条，"
        "新的困难线索1条，发放名册待审批1条，核对任务已完成1条。请登录平台查看。"
    )
    assert send_digests() == 0 and len(outbox) == 4  # a digest once
    for _, text in outbox:
        assert "王老汉" not in text and "赵困难" not in text
        assert world["case"].number not in text and not SENSITIVE.search(text[9:])
    assert produce() == {"alerts": 0, "sms": 0} and len(outbox) == 4


def test_a_failing_gateway_records_the_error_and_keeps_the_alert(world, settings):
    settings.JIUZHU_SMS_BACKEND = "tests.oversight.test_staff_alerts.BrokenGateway"
    AlertPreference.objects.create(user=world["assistant"], sms="each", phone="13900000011")
    assert produce()["sms"] == 0
    errors = set(
        StaffAlert.objects.filter(user=world["assistant"]).values_list("sms_error", flat=True)
    )
    assert errors == {"ConnectionError"}


class BrokenGateway:
    def send(self, phone, text):
        raise ConnectionError


def test_inbox_and_preferences_pages(world, outbox):
    produce()
    client = client_for(world["assistant"])
    page = client.get("/oversight/inbox/").content.decode()
    assert "申请即将到期" in page and f"申请 {world['case'].number}" in page
    alert = StaffAlert.objects.get(user=world["assistant"], kind="deadline")
    opened = client.post(f"/oversight/inbox/{alert.pk}/")
    assert opened.status_code == 302 and opened["Location"] == alert.link
    alert.refresh_from_db()
    assert alert.read_at is not None
    saved = client.post(
        "/oversight/inbox/settings/", {"in_platform": "1", "sms": "digest", "phone": "13900000099"}
    )
    assert saved.status_code == 302
    assert AlertPreference.objects.get(user=world["assistant"]).sms == "digest"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"sms": "each", "phone": ""}, "选择短信提醒时，请填写11位手机号码。"),
        ({"sms": "each", "phone": "1390000"}, "选择短信提醒时，请填写11位手机号码。"),
        ({"sms": "loud", "phone": "13900000099"}, "请选择短信提醒方式。"),
        ({"sms": "off", "phone": "abc"}, "手机号码应为11位数字。"),
    ],
)
def test_bad_preferences_are_refused_and_nothing_saved(world, form, message):
    response = client_for(world["assistant"]).post("/oversight/inbox/settings/", form)
    assert response.status_code == 400 and message in response.content.decode()
    assert not AlertPreference.objects.exists()


def test_nobody_opens_another_persons_alert(world):
    produce()
    alert = StaffAlert.objects.get(user=world["assistant"], kind="deadline")
    response = client_for(world["other_town"]).post(f"/oversight/inbox/{alert.pk}/")
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.read_at is None
    page = client_for(world["other_town"]).get("/oversight/inbox/").content.decode()
    assert world["case"].number not in page


def test_platform_reminders_off_keeps_them_read(world):
    AlertPreference.objects.create(user=world["assistant"], in_platform=False)
    produce()
    assert not StaffAlert.objects.filter(user=world["assistant"], read_at__isnull=True).exists()


def test_the_periodic_command(world, capsys):
    call_command("staff_alerts", "--digest")
    assert capsys.readouterr().out.strip() == "新增提醒 9 条，即时短信 0 条，汇总短信 0 条。"
