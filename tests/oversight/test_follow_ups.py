"""A complaint's or an alert's follow-ups open what they name in the app that owns it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jiuzhu.cases.models import Case, CaseEvent, Recipient
from jiuzhu.cases.selectors import reviews_due
from jiuzhu.core.errors import DomainError
from jiuzhu.oversight import complaints, risk
from jiuzhu.oversight.follow_ups import ClaimInput
from jiuzhu.oversight.models import Alert, AlertStatus, ComplaintStatus, FollowUp, RiskScan
from jiuzhu.payments.models import RecoveryClaim
from tests import factories
from tests.conftest import client_for
from tests.payments.conftest import make_household, make_recipient

pytestmark = pytest.mark.django_db

CLAIM = ClaimInput(dt.date(2026, 3, 1), dt.date(2026, 5, 1), 150000, 20000)


@pytest.fixture
def paid(ov_staff, dong_e_village):
    """A household of 东阿镇 receiving dibao, and a complaint about it given to the town's
    approver."""
    admin = ov_staff["admin"]
    household = make_household(admin, dong_e_village, "孙有车")
    recipient = make_recipient(admin, household)
    Recipient.objects.filter(pk=recipient.pk).update(next_review_on=dt.date(2027, 6, 1))
    complaint = complaints.record(
        admin,
        town=dong_e_village.parent,
        channel="hotline_12345",
        category="eligibility",
        content="该户有轿车仍领低保。",
        anonymous=True,
        subject_household=household,
    )
    complaints.assign(ov_staff["supervisor"], complaint, ov_staff["approver"])
    return household, recipient, complaint


def test_a_founded_complaint_starts_a_review_and_records_a_claim(ov_staff, paid):
    household, recipient, complaint = paid
    approver = ov_staff["approver"]
    complaints.conclude(
        approver,
        complaint,
        "founded",
        "属实，复核并追回。",
        ["case_review", "recovery", "discipline"],
        CLAIM,
    )
    recipient.refresh_from_db()
    today = timezone.localdate()
    assert recipient.next_review_on == today
    event = CaseEvent.objects.get(case=recipient.case, action="request_review")
    assert (
        event.actor == approver
        and event.comment == f"投诉举报{complaint.number}：属实，复核并追回。"
    )
    assert list(reviews_due(ov_staff["assistant"], today)) == [recipient]
    claim = RecoveryClaim.objects.get()
    assert (claim.household, claim.programme, claim.amount_fen, claim.instalment_fen) == (
        household,
        "dibao",
        150000,
        20000,
    )
    assert (claim.from_month, claim.to_month, claim.created_by) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 5, 1),
        approver,
    )
    follow_ups = {f.kind: f for f in FollowUp.objects.filter(complaint=complaint)}
    assert follow_ups["case_review"].case == recipient.case
    assert follow_ups["recovery"].claim == claim
    assert follow_ups["discipline"].note == ""
    page = client_for(approver).get(reverse("oversight:complaint", args=[complaint.pk]))
    text = page.content.decode()
    assert f'已发起对申请 <a href="/cases/{recipient.case_id}/">' in text
    assert "已登记追回" in text and "1,500.00元" in text


def test_a_follow_up_refused_undoes_the_conclusion(ov_staff, paid):
    _, recipient, complaint = paid
    approver = ov_staff["approver"]
    with pytest.raises(DomainError, match=r"^追回多发资金请填写金额、月份和每月抵扣金额。$"):
        complaints.conclude(approver, complaint, "founded", "追回", ["case_review", "recovery"])
    complaint.refresh_from_db()
    recipient.refresh_from_db()
    assert complaint.status == ComplaintStatus.ASSIGNED
    assert recipient.next_review_on == dt.date(2027, 6, 1)
    assert not FollowUp.objects.exists() and not RecoveryClaim.objects.exists()
    assert not CaseEvent.objects.filter(action="request_review").exists()


def test_nobody_opens_a_follow_up_on_their_own_case_or_relative(ov_staff, paid):
    household, recipient, complaint = paid
    approver = ov_staff["approver"]
    Case.objects.filter(pk=recipient.case_id).update(decided_by=approver)
    with pytest.raises(
        PermissionError, match=r"^本人经办的案件，不能由本人发起复核，请交由其他人员办理。$"
    ):
        complaints.conclude(approver, complaint, "founded", "复核", ["case_review"])
    Case.objects.filter(pk=recipient.case_id).update(decided_by=None)
    risk.declare_relative(approver, factories.head_of(household), "父母")
    with pytest.raises(
        PermissionError, match=r"^该家庭有本人备案的近亲属，不能由本人办理后续措施。$"
    ):
        complaints.conclude(approver, complaint, "founded", "追回", ["recovery"], CLAIM)
    assert not FollowUp.objects.exists() and not RecoveryClaim.objects.exists()
    assert complaints.Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.ASSIGNED


def test_a_complaint_without_household_cannot_start_a_review(ov_staff, dong_e):
    complaint = complaints.submit_public(
        town=dong_e, category="other", content="x", anonymous=True, source_ip="10.0.0.3"
    )
    complaints.assign(ov_staff["supervisor"], complaint, ov_staff["approver"])
    with pytest.raises(DomainError, match=r"^没有涉及的家庭，不能发起复核或追回。$"):
        complaints.conclude(ov_staff["approver"], complaint, "founded", "x", ["case_review"])


def _alert(household, supervisor):
    scan = RiskScan.objects.create(as_of=dt.date(2026, 11, 30), started_by=supervisor)
    return Alert.objects.create(
        rule="vehicle",
        subject_key=str(household.pk),
        town_code=household.registered_code[:9] + "000",
        household=household,
        evidence={"text": "名下有车辆。"},
        first_scan=scan,
        last_seen_on=scan.as_of,
        status=AlertStatus.OPEN,
    )


def test_alert_conclusions_open_a_review_or_a_claim(ov_staff, paid):
    household, recipient, _ = paid
    supervisor, approver = ov_staff["supervisor"], ov_staff["approver"]
    correction = _alert(household, supervisor)
    risk.assign_alert(supervisor, correction, approver)
    risk.conclude_alert(approver, correction, "correction", "核实后调整。")
    assert FollowUp.objects.get(alert=correction).case == recipient.case
    assert Recipient.objects.get(pk=recipient.pk).next_review_on == timezone.localdate()

    Alert.objects.filter(pk=correction.pk).update(subject_key="other")
    recovery = _alert(household, supervisor)
    risk.assign_alert(supervisor, recovery, approver)
    # Through the page: the claim's fields come with the conclusion.
    response = client_for(approver).post(
        reverse("oversight:alert_act", args=[recovery.pk]),
        {
            "action": "conclude",
            "conclusion": "recovery",
            "note": "隐瞒车辆，追回。",
            "from_month": "2026-01",
            "to_month": "2026-10",
            "amount": "5000",
            "instalment": "500",
        },
    )
    assert response.status_code == 302
    claim = FollowUp.objects.get(alert=recovery).claim
    assert (claim.amount_fen, claim.instalment_fen, claim.reason) == (
        500000,
        50000,
        "风险预警：隐瞒车辆，追回。",
    )


def test_only_the_handler_names_the_household_of_their_area(ov_staff, dong_e, paid):
    household, _, _ = paid
    complaint = complaints.submit_public(
        town=dong_e, category="eligibility", content="x", anonymous=True, source_ip="10.0.0.4"
    )
    complaints.assign(ov_staff["supervisor"], complaint, ov_staff["approver"])
    with pytest.raises(PermissionError, match=r"^只有承办人可以办理这件投诉举报。$"):
        complaints.link_household(ov_staff["supervisor"], complaint, household)
    with pytest.raises(DomainError, match=r"^本辖区没有这个户编号。$"):
        complaints.link_household(ov_staff["approver"], complaint, None)
    complaints.link_household(ov_staff["approver"], complaint, household)
    complaint.refresh_from_db()
    assert complaint.subject_household == household
