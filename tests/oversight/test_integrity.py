import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiuzhu.cases.models import Case
from jiuzhu.core.errors import DomainError
from jiuzhu.core.workdays import add_working_days
from jiuzhu.oversight import integrity, selectors
from jiuzhu.oversight.models import DishonestyRecord, FaultToleranceRecord, IntegrityStatus
from tests import factories
from tests.conftest import client_for
from tests.payments.conftest import make_household, make_recipient

pytestmark = pytest.mark.django_db


@pytest.fixture
def cheat(ov_staff, dong_e_village):
    household = make_household(ov_staff["admin"], dong_e_village, "钱有车")
    return household, factories.head_of(household)


def recorded(ov_staff, cheat, investigator="supervisor"):
    household, person = cheat
    return integrity.record_dishonesty(
        ov_staff[investigator], person, household, "隐瞒名下轿车一辆，骗取低保金。", 360_000
    )


def test_record_computes_the_fine_and_refuses_bad_input(ov_staff, cheat):
    household, person = cheat
    entry = recorded(ov_staff, cheat)
    # 社会救助暂行办法 §68: a fine of the amount obtained times the parameter (1 shipped).
    assert (entry.obtained_fen, entry.fine_fen, entry.status) == (360_000, 360_000, "recorded")
    with pytest.raises(DomainError, match=r"^骗取金额不能为负数。$"):
        integrity.record_dishonesty(ov_staff["supervisor"], person, household, "x", -1)
    with pytest.raises(DomainError, match=r"^请填写失信事实。$"):
        integrity.record_dishonesty(ov_staff["supervisor"], person, household, " ", 1)
    with pytest.raises(DomainError, match=r"^请选择当事人及其家庭。$"):
        integrity.record_dishonesty(ov_staff["supervisor"], None, household, "x", 1)
    with pytest.raises(PermissionError, match=r"^无权登记、调查和答复投诉举报。$"):
        integrity.record_dishonesty(ov_staff["assistant"], person, household, "x", 1)
    with pytest.raises(PermissionError, match=r"^不在本人管辖区域内。$"):
        integrity.record_dishonesty(ov_staff["other_approver"], person, household, "x", 1)
    assert DishonestyRecord.objects.count() == 1


def test_due_process_notice_objection_period_publication_and_removal(ov_staff, cheat):
    entry = recorded(ov_staff, cheat)
    with pytest.raises(PermissionError, match="调查人不能作出列入名单的决定"):
        integrity.decide(ov_staff["supervisor"], entry, True, "情节严重")
    with pytest.raises(PermissionError, match=r"^无权分派投诉举报和风险预警、运行风险筛查。$"):
        integrity.decide(ov_staff["admin"], entry, True, "情节严重")
    decider = ov_staff["supervisor2"]
    integrity.decide(decider, entry, True, "隐瞒车辆，情节严重。")
    today = timezone.localdate()
    assert entry.status == IntegrityStatus.NOTICE
    assert (entry.notice_on, entry.objection_until) == (today, add_working_days(today, 5))
    with pytest.raises(DomainError, match="期满后才能公布"):
        integrity.publish(decider, entry)
    integrity.object_to(ov_staff["approver"], entry, "车辆已于申请前转让。")
    after = entry.objection_until + dt.timedelta(days=1)
    with pytest.raises(DomainError, match=r"^当事人的异议尚未处理，不能公布。$"):
        integrity.publish(decider, entry, after)
    integrity.resolve_objection(decider, entry, False, "转让手续在申请之后，异议不成立。")
    integrity.publish(decider, entry, after)
    assert entry.status == IntegrityStatus.PUBLISHED
    assert entry.ends_on == dt.date(after.year + 3, after.month, after.day)
    rows = selectors.public_blacklist(after)
    assert [(r.name, r.obtained_fen) for r in rows] == [("钱**", 360_000)]
    assert rows[0].id_number == entry.person.id_number[0] + "*" * 16 + entry.person.id_number[-1]
    assert selectors.public_blacklist(entry.ends_on + dt.timedelta(days=1)) == []
    with pytest.raises(DomainError, match=r"^请填写移出原因。$"):
        integrity.remove(decider, entry, "")
    integrity.remove(decider, entry, "已退回全部款项，申请信用修复。")
    assert entry.status == IntegrityStatus.REMOVED and selectors.public_blacklist(after) == []


def test_objection_found_right_withdraws_and_late_objection_refused(ov_staff, cheat):
    first = recorded(ov_staff, cheat)
    integrity.decide(ov_staff["supervisor2"], first, True, "情节严重")
    late = first.objection_until + dt.timedelta(days=1)
    with pytest.raises(DomainError, match=r"^异议期已于"):
        integrity.object_to(ov_staff["approver"], first, "晚了", late)
    integrity.object_to(ov_staff["approver"], first, "车辆不是本人的。")
    integrity.resolve_objection(ov_staff["supervisor2"], first, True, "核实车辆登记错误。")
    assert first.status == IntegrityStatus.WITHDRAWN
    with pytest.raises(DomainError, match=r"^只有已告知的记录可以公布。$"):
        integrity.publish(ov_staff["supervisor2"], first, late)
    second = recorded(ov_staff, cheat)
    integrity.decide(ov_staff["supervisor2"], second, False, "初犯，已退回。")
    assert second.status == IntegrityStatus.NOT_LISTED and second.objection_until is None


def test_public_list_page_and_export(ov_staff, cheat):
    entry = recorded(ov_staff, cheat)
    integrity.decide(ov_staff["supervisor2"], entry, True, "情节严重")
    DishonestyRecord.objects.filter(pk=entry.pk).update(objection_until=dt.date(2020, 1, 1))
    entry.refresh_from_db()
    integrity.publish(ov_staff["supervisor2"], entry)
    page = Client().get(reverse("public_blacklist")).content.decode()
    assert "钱**" in page and entry.person.id_number not in page and "钱有车" not in page
    export = client_for(ov_staff["supervisor"]).get(reverse("oversight:integrity") + "?format=csv")
    assert entry.person.id_number in export.content.decode("utf-8-sig")
    for who in ("approver", "admin"):
        response = client_for(ov_staff[who]).get(reverse("oversight:integrity") + "?format=csv")
        assert response.status_code == 404, who


def test_fault_tolerance_needs_every_condition_and_another_reviewer(ov_staff):
    supervisor, assistant = ov_staff["supervisor"], ov_staff["assistant"]
    every = ["public_good", "no_gain", "within_rules", "corrected"]
    tolerated = integrity.review_fault(
        supervisor, assistant, "收入计算漏减了一项。", every, "符合容错条件。", dt.date(2026, 3, 1)
    )
    assert tolerated.tolerated and tolerated.conditions == dict.fromkeys(every, True)
    not_tolerated = integrity.review_fault(
        supervisor, assistant, "未入户即出具调查结论。", every[:2], "不予容错。", None
    )
    assert not not_tolerated.tolerated and not_tolerated.conditions["corrected"] is False
    with pytest.raises(PermissionError, match=r"^本人的失误由其他监管人员复核。$"):
        integrity.review_fault(supervisor, supervisor, "x", every, "y", None)
    with pytest.raises(DomainError, match=r"^容错条件不正确。$"):
        integrity.review_fault(supervisor, assistant, "x", ["luck"], "y", None)
    with pytest.raises(PermissionError):
        integrity.review_fault(ov_staff["admin"], assistant, "x", every, "y", None)
    assert FaultToleranceRecord.objects.count() == 2
    response = client_for(supervisor).post(
        reverse("oversight:faults"),
        {"staff": assistant.pk, "error": "x", "conclusion": "y", "corrected_on": "2026-13-01"},
    )
    assert response.status_code == 302 and FaultToleranceRecord.objects.count() == 2
    assert client_for(ov_staff["approver"]).get(reverse("oversight:faults")).status_code == 404


def test_integrity_pages_record_and_decide(ov_staff, cheat):
    household, person = cheat
    client = client_for(ov_staff["approver"])
    url = reverse("oversight:integrity")
    form = {"household": household.number, "id_number": "11010119900101123X", "facts": "隐瞒车辆"}
    refused = client.post(url, {**form, "amount": "3600"})
    assert not DishonestyRecord.objects.exists()
    assert "请选择当事人及其家庭。" in refused.content.decode()
    response = client.post(url, {**form, "id_number": person.id_number, "amount": "3600.50"})
    entry = DishonestyRecord.objects.get()
    assert response.url == reverse("oversight:integrity_record", args=[entry.pk])
    assert (entry.obtained_fen, entry.investigator) == (360_050, ov_staff["approver"])
    act = reverse("oversight:integrity_act", args=[entry.pk])
    client_for(ov_staff["supervisor"]).post(
        act, {"action": "decide", "listed": "1", "decision": "情节严重"}
    )
    entry.refresh_from_db()
    assert entry.status == IntegrityStatus.NOTICE and entry.decided_by == ov_staff["supervisor"]
    page = client_for(ov_staff["other_approver"]).get(
        reverse("oversight:integrity_record", args=[entry.pk])
    )
    assert page.status_code == 404
    recipient = make_recipient(ov_staff["admin"], household)
    Case.objects.filter(pk=recipient.case_id).update(
        commitment_signed_at=timezone.make_aware(dt.datetime(2025, 3, 2, 10))
    )
    page = client_for(ov_staff["approver"]).get(
        reverse("oversight:integrity_record", args=[entry.pk])
    )
    assert f"{recipient.case.number}（最低生活保障，2025年3月2日签署）" in page.content.decode()
