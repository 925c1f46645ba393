import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiuzhu.cases.notifications import RecordingSmsBackend
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AccessLog
from jiuzhu.core.workdays import add_working_days
from jiuzhu.oversight import complaints, selectors
from jiuzhu.oversight.models import Complaint, ComplaintStatus, FollowUp
from tests.conftest import client_for
from tests.payments.conftest import make_household

pytestmark = pytest.mark.django_db


def public(town, **extra):
    values = {
        "town": town,
        "category": "eligibility",
        "content": "某户家里有车还在领低保。",
        "anonymous": False,
        "name": "张三",
        "phone": "13800001111",
        "source_ip": "10.0.0.1",
    }
    values.update(extra)
    return complaints.submit_public(**values)


def test_public_complaint_gets_number_code_and_deadline_in_working_days(dong_e):
    complaint = public(dong_e)
    today = timezone.localdate()
    assert complaint.number == f"TS{today:%Y%m%d}0001"
    assert len(complaint.query_code) == 6 and complaint.query_code.isdigit()
    assert complaint.due_on == add_working_days(today, 15)
    assert complaint.status == ComplaintStatus.RECEIVED
    assert complaint.channel == "website" and complaint.region_code == dong_e.code
    assert public(dong_e, source_ip="10.0.0.2").number == f"TS{today:%Y%m%d}0002"


def test_anonymous_complaint_keeps_no_identity_and_named_needs_both(dong_e):
    complaint = public(dong_e, anonymous=True)
    assert (complaint.complainant_name, complaint.complainant_phone) == ("", "")
    with pytest.raises(DomainError, match=r"^实名反映请填写姓名和联系电话；不愿留名可选择匿名。$"):
        public(dong_e, phone="")
    with pytest.raises(DomainError, match=r"^联系电话应为7到12位数字。$"):
        public(dong_e, phone="12ab")
    with pytest.raises(DomainError, match=r"^请填写反映内容。$"):
        public(dong_e, content="   ")
    with pytest.raises(DomainError, match=r"^请选择所反映问题所在的镇（街道）。$"):
        public(None)
    with pytest.raises(DomainError, match=r"^请选择问题类别。$"):
        public(dong_e, category="nonsense")
    with pytest.raises(DomainError, match="不能含有空字符"):
        public(dong_e, content="a\x00b")
    assert Complaint.objects.count() == 1


def test_public_form_is_rate_limited_per_source(dong_e):
    for _ in range(3):
        public(dong_e, anonymous=True)
    with pytest.raises(DomainError, match=r"^提交过于频繁，请一小时后再试，或拨打12345热线反映。$"):
        public(dong_e, anonymous=True)
    public(dong_e, anonymous=True, source_ip="10.0.0.9")  # another source is not held back
    assert Complaint.objects.count() == 4


def test_journey_assign_investigate_conclude_reply_texts_the_complainant(ov_staff, dong_e):
    supervisor, approver = ov_staff["supervisor"], ov_staff["approver"]
    complaint = public(dong_e)
    complaints.assign(supervisor, complaint, approver)
    complaints.add_note(approver, complaint, "入户核实，该户名下确有一辆轿车。")
    complaints.conclude(approver, complaint, "founded", "停发低保并追回。", ["discipline"])
    RecordingSmsBackend.outbox.clear()
    with pytest.raises(DomainError, match=r"^请填写答复内容。$"):
        complaints.reply(approver, complaint, " ")
    with pytest.raises(PermissionError, match=r"^只有承办人可以办理这件投诉举报。$"):
        complaints.reply(ov_staff["supervisor2"], complaint, "答复")
    with pytest.raises(PermissionError):
        complaints.add_note(supervisor, complaint, "不是承办人")
    complaints.reply(approver, complaint, "经核实反映属实，已停发并追回。")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.REPLIED
    assert [f.kind for f in FollowUp.objects.filter(complaint=complaint)] == ["discipline"]
    assert list(RecordingSmsBackend.outbox) == []  # sent only once the reply is committed


def test_reply_is_texted_after_commit(ov_staff, dong_e, django_capture_on_commit_callbacks):
    complaint = public(dong_e)
    complaints.assign(ov_staff["supervisor"], complaint, ov_staff["approver"])
    complaints.conclude(ov_staff["approver"], complaint, "unfounded", "查无此事。", [])
    RecordingSmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        complaints.reply(ov_staff["approver"], complaint, "经核实不属实。")
    assert list(RecordingSmsBackend.outbox) == [
        ("13800001111", f"您反映的问题（编号{complaint.number}）已办结：经核实不属实。")
    ]
    found = selectors.track(complaint.number, complaint.query_code)
    assert (found.status, found.reply) == ("已答复", "经核实不属实。")
    wrong_code = "1" if complaint.query_code != "1" else "2"
    assert selectors.track(complaint.number, wrong_code) is None
    assert selectors.track("", complaint.query_code) is None


def test_conclusion_checks(ov_staff, dong_e):
    complaint = public(dong_e)
    approver = ov_staff["approver"]
    with pytest.raises(PermissionError):
        complaints.conclude(approver, complaint, "founded", "x", [])  # not yet assigned to them
    complaints.assign(ov_staff["supervisor"], complaint, approver)
    with pytest.raises(DomainError, match=r"^请选择调查结论。$"):
        complaints.conclude(approver, complaint, "maybe", "x", [])
    with pytest.raises(DomainError, match=r"^反映不属实时不需要后续措施。$"):
        complaints.conclude(approver, complaint, "unfounded", "x", ["discipline"])
    with pytest.raises(DomainError, match=r"^后续措施不正确。$"):
        complaints.conclude(approver, complaint, "founded", "x", ["jail"])
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ASSIGNED and not FollowUp.objects.exists()


def test_complaint_about_a_staff_member_goes_to_someone_else(ov_staff, dong_e):
    approver, supervisor = ov_staff["approver"], ov_staff["supervisor"]
    complaint = complaints.record(
        ov_staff["admin"],
        town=dong_e,
        channel="hotline_12345",
        category="staff_conduct",
        content="审核人员优亲厚友。",
        anonymous=False,
        name="李四",
        phone="13900002222",
        subject_staff=approver,
    )
    with pytest.raises(DomainError, match=r"^不能由被反映人承办，请另选承办人。$"):
        complaints.assign(supervisor, complaint, approver)
    assert approver not in selectors.handler_candidates(supervisor, complaint)
    complaints.assign(supervisor, complaint, ov_staff["supervisor2"])
    assert complaint.handler == ov_staff["supervisor2"]
    # The person complained about never sees it, even as a handler in general.
    assert not selectors.complaints_for(approver).filter(pk=complaint.pk).exists()
    # A supervisor complained about neither sees nor assigns it.
    about_supervisor = complaints.record(
        ov_staff["admin"],
        town=dong_e,
        channel="letter_visit",
        category="staff_conduct",
        content="监管人员不作为。",
        anonymous=True,
        subject_staff=supervisor,
    )
    assert selectors.complaint_for(supervisor, about_supervisor.pk) is None
    with pytest.raises(PermissionError, match=r"^反映本人的投诉举报由其他人员分派。$"):
        complaints.assign(supervisor, about_supervisor, ov_staff["supervisor2"])
    with pytest.raises(DomainError, match=r"^反映本人的问题应由其他工作人员登记。$"):
        complaints.record(
            approver,
            town=dong_e,
            channel="in_person",
            category="staff_conduct",
            content="x",
            anonymous=True,
            subject_staff=approver,
        )


def test_who_may_not(ov_staff, dong_e, meigui):
    complaint = public(dong_e)
    with pytest.raises(PermissionError, match=r"^无权分派投诉举报和风险预警、运行风险筛查。$"):
        complaints.assign(ov_staff["admin"], complaint, ov_staff["approver"])
    with pytest.raises(DomainError, match="承办人须有办理投诉举报的职责"):
        complaints.assign(ov_staff["supervisor"], complaint, ov_staff["assistant"])
    with pytest.raises(DomainError, match="承办人须有办理投诉举报的职责"):
        complaints.assign(ov_staff["supervisor"], complaint, ov_staff["other_approver"])
    with pytest.raises(PermissionError, match=r"^无权登记、调查和答复投诉举报。$"):
        complaints.record(
            ov_staff["assistant"],
            town=dong_e,
            channel="in_person",
            category="other",
            content="x",
            anonymous=True,
        )
    with pytest.raises(PermissionError, match=r"^不在本人管辖区域内。$"):
        complaints.record(
            ov_staff["approver"],
            town=meigui,
            channel="in_person",
            category="other",
            content="x",
            anonymous=True,
        )
    assert Complaint.objects.count() == 1 and complaint.handler is None


def test_identity_only_for_handler_and_county_supervisors(ov_staff, dong_e):
    complaint = public(dong_e)
    complaints.assign(ov_staff["supervisor"], complaint, ov_staff["approver"])
    assert selectors.complainant_of(ov_staff["approver"], complaint) == ("张三", "13800001111")
    assert selectors.complainant_of(ov_staff["supervisor2"], complaint) == ("张三", "13800001111")
    assert selectors.complainant_of(ov_staff["admin"], complaint) == (selectors.HIDDEN_IDENTITY, "")
    page = client_for(ov_staff["admin"]).get(reverse("oversight:complaint", args=[complaint.pk]))
    assert page.status_code == 404  # not theirs: the admin handles only what they are given
    page = client_for(ov_staff["approver"]).get(reverse("oversight:complaint", args=[complaint.pk]))
    assert "13800001111" in page.content.decode()


def test_every_read_is_logged_and_outsiders_get_404(ov_staff, dong_e):
    complaint = public(dong_e)
    url = reverse("oversight:complaint", args=[complaint.pk])
    assert client_for(ov_staff["supervisor"]).get(url).status_code == 200
    assert client_for(ov_staff["supervisor"]).get(url).status_code == 200
    assert AccessLog.objects.filter(object_type="Complaint", object_id=complaint.pk).count() == 2
    for who in ("assistant", "coordinator", "auditor", "other_approver", "approver"):
        assert client_for(ov_staff[who]).get(url).status_code == 404, who
    assert AccessLog.objects.filter(object_type="Complaint").count() == 2


def test_overdue_list(ov_staff, dong_e):
    late = public(dong_e)
    Complaint.objects.filter(pk=late.pk).update(due_on=dt.date(2020, 1, 2))
    answered = public(dong_e, source_ip="10.0.0.3")
    Complaint.objects.filter(pk=answered.pk).update(
        due_on=dt.date(2020, 1, 2), status=ComplaintStatus.REPLIED
    )
    public(dong_e, source_ip="10.0.0.4")
    today = timezone.localdate()
    assert list(selectors.overdue_complaints(ov_staff["supervisor"], today)) == [late]
    page = client_for(ov_staff["supervisor"]).get(reverse("oversight:complaints") + "?view=overdue")
    assert page.content.decode().count("已逾期") == 1


def test_public_pages_without_login(dong_e):
    client = client_for_anonymous()
    form = client.get(reverse("public_complaint"))
    assert form.status_code == 200 and "东阿镇" in form.content.decode()
    bad = client.post(reverse("public_complaint"), {"town": dong_e.code, "category": "other"})
    assert bad.status_code == 400 and "请填写反映内容。" in bad.content.decode()
    sent = client.post(
        reverse("public_complaint"),
        {"town": dong_e.code, "category": "not_paid", "content": "三个月没到账", "anonymous": "1"},
    )
    complaint = Complaint.objects.get()
    assert complaint.anonymous and complaint.number in sent.content.decode()
    track = client.get(
        reverse("public_complaint_track"),
        {"number": complaint.number, "code": complaint.query_code},
    )
    assert "办理中" in track.content.decode()
    wrong = client.get(reverse("public_complaint_track"), {"number": complaint.number, "code": "x"})
    assert "编号或查询码不正确。" in wrong.content.decode()


def client_for_anonymous():
    return Client(REMOTE_ADDR="10.1.1.1")


def test_staff_record_a_hotline_complaint_about_a_colleague(ov_staff, dong_e, dong_e_village):
    supervisor, approver = ov_staff["supervisor"], ov_staff["approver"]
    household = make_household(ov_staff["admin"], dong_e_village, "郑大爷")
    url = reverse("oversight:complaint_new")
    form = {
        "channel": "hotline_12345",
        "town": dong_e.code,
        "category": "staff_conduct",
        "content": "审核人员索要好处费。",
        "name": "郑大爷",
        "phone": "13700003333",
        "subject_staff": str(approver.pk),
    }
    refused = client_for(supervisor).post(url, {**form, "household": "不存在"})
    assert "本辖区没有这个户编号。" in refused.content.decode()
    assert not Complaint.objects.exists()
    client_for(supervisor).post(url, {**form, "household": household.number})
    complaint = Complaint.objects.get()
    assert (complaint.subject_staff, complaint.subject_household) == (approver, household)
    assert (complaint.channel, complaint.received_by) == ("hotline_12345", supervisor)
    page = client_for(ov_staff["supervisor2"]).get(
        reverse("oversight:complaint", args=[complaint.pk])
    )
    options = page.content.decode().split('id="handler"')[1].split("</select>")[0]
    assert f'value="{approver.pk}"' not in options
    assert f'value="{supervisor.pk}"' in options


def test_the_public_notice_board_links_to_the_complaint_form_and_the_list(dong_e):
    page = client_for_anonymous().get(reverse("notice")).content.decode()
    for name in ("public_complaint", "public_complaint_track", "public_blacklist"):
        assert f'href="{reverse(name)}"' in page


def test_two_complaints_taking_one_number_at_once_get_the_next(dong_e, monkeypatch):
    first = public(dong_e)
    real = complaints._number
    calls = []

    def racing(now):
        calls.append(now)
        return first.number if len(calls) == 1 else real(now)

    monkeypatch.setattr(complaints, "_number", racing)
    second = public(dong_e, source_ip="10.0.0.5")
    assert len(calls) == 2 and second.number == first.number[:-4] + "0002"
    assert Complaint.objects.count() == 2
