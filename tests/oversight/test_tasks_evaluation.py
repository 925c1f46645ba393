import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiuzhu.cases.models import AdvancePayment, Case, Recipient
from jiuzhu.core.errors import DomainError
from jiuzhu.core.roles import Role
from jiuzhu.oversight import complaints, evaluation, integrity, tally, tasks
from jiuzhu.oversight.models import Complaint, TaskProgress
from tests import factories
from tests.conftest import client_for
from tests.payments.conftest import make_household, make_recipient

pytestmark = pytest.mark.django_db


def test_the_twelve_tasks_are_shipped_as_data():
    planned = tasks.planned()
    assert [t.number for t in planned] == list(range(1, 13))
    assert planned[1].deadline == dt.date(2021, 9, 30) and planned[7].deadline is None
    assert planned[7].lead == "县财政局"


def test_units_report_only_their_tasks_and_overdue_is_flagged(ov_staff):
    county = factories.county()
    finance = factories.user(Role.DEPARTMENT_OFFICER, county, department="财政局")
    health = factories.user(Role.DEPARTMENT_OFFICER, county, department="卫生健康局")
    tasks.report(finance, 8, 60, "2026年预算已安排。", "预算批复文件")
    with pytest.raises(PermissionError, match=r"^本单位不是这项任务的牵头或责任单位。$"):
        tasks.report(health, 8, 10, "x")
    with pytest.raises(DomainError, match=r"^完成进度应在0到100之间。$"):
        tasks.report(finance, 8, 101, "x")
    with pytest.raises(DomainError, match=r"^没有这项任务。$"):
        tasks.report(finance, 13, 1, "x")
    with pytest.raises(DomainError, match=r"^请填写进展情况。$"):
        tasks.report(finance, 8, 1, " ")
    with pytest.raises(PermissionError, match=r"^无权查看和报送任务分工进展、绩效评价。$"):
        tasks.report(ov_staff["assistant"], 1, 1, "x")
    tasks.report(ov_staff["supervisor"], 1, 100, "已接入省级平台。")
    tasks.report(ov_staff["admin"], 4, 80, "审核确认时限已压缩。")
    assert TaskProgress.objects.count() == 3
    board = {row.task.number: row for row in tasks.board(dt.date(2026, 12, 1))}
    assert (board[1].percent, board[1].overdue) == (100, False)
    assert (board[4].percent, board[4].overdue) == (80, True)
    assert board[8].latest["县财政局"].percent == 60 and not board[8].overdue  # ongoing
    page = client_for(finance).get(reverse("oversight:tasks")).content.decode()
    assert "报送进展（县财政局）" in page and "预算批复文件" in page
    assert client_for(ov_staff["approver"]).get(reverse("oversight:tasks")).status_code == 404


def test_evaluation_scores_each_town_from_the_data(ov_staff, dong_e, meigui, dong_e_village):
    admin, supervisor, approver = ov_staff["admin"], ov_staff["supervisor"], ov_staff["approver"]
    year = timezone.localdate().year
    # 东阿镇: two decisions, one late; one complaint answered in time; one error not
    # tolerated and one tolerated (which costs nothing); one review overdue of two.
    on_time = make_recipient(admin, make_household(admin, dong_e_village, "甲"))
    late = make_recipient(admin, make_household(admin, dong_e_village, "乙"))
    now = timezone.now()
    Case.objects.filter(pk=on_time.case_id).update(
        decided_at=now, decision_due=timezone.localdate() + dt.timedelta(days=1)
    )
    Case.objects.filter(pk=late.case_id).update(
        decided_at=now, decision_due=timezone.localdate() - dt.timedelta(days=1)
    )
    Recipient.objects.filter(pk=late.pk).update(next_review_on=dt.date(year, 1, 1))
    complaint = complaints.submit_public(
        town=dong_e, category="other", content="x", anonymous=True, source_ip="10.0.0.1"
    )
    complaints.assign(supervisor, complaint, approver)
    complaints.conclude(approver, complaint, "unfounded", "不属实", [])
    complaints.reply(approver, complaint, "不属实")
    Complaint.objects.filter(pk=complaint.pk).update(due_on=dt.date(year, 12, 31))
    every = list(integrity.TOLERANCE_CONDITIONS)
    integrity.review_fault(supervisor, approver, "漏审一项", every[:1], "不予容错", None)
    integrity.review_fault(supervisor, approver, "笔误", every, "予以容错", None)

    assert evaluation.evaluate(admin, year).as_of is None  # not tallied yet
    tally.tally_year(admin, year, dt.date(year, 12, 31))
    scores = {row.town.code: row for row in evaluation.evaluate(admin, year).scores}
    dong = scores[dong_e.code]
    assert {code: dong.counts[code] for code in ("decisions", "complaints", "reviews")} == {
        "decisions": (1, 2),
        "complaints": (1, 1),
        "reviews": (1, 2),
    }
    assert dong.counts["usage"] == (0, 2)  # decided outside the platform's decision step
    assert dong.counts["coverage"] == (0, 2)  # not on the monitoring list
    assert dong.faults == 1
    assert dong.counts["roster"][0] == 0  # no staff on the roster: every post a gap
    # Weights (2026 on) 0.15 decisions, 0.1 complaints, 0.1 reviews, 0.1 coverage, 0.05
    # roster, 0.05 usage count (the others had nothing due):
    # 100 × (0.15 × 0.5 + 0.1 × 1 + 0.1 × 0.5 + 0 + 0 + 0) / 0.55 − 2 = 38.9
    assert dong.score == Decimal("38.9")
    # 玫瑰镇: nothing due but its staff posts, none filled.
    assert scores[meigui.code].score == Decimal("0.0")
    ranked = evaluation.evaluate(admin, year).scores
    assert [row.town.code for row in ranked] == [dong_e.code, meigui.code]
    assert evaluation.evaluate(ov_staff["assistant"], year).scores == []

    response = client_for(admin).get(reverse("oversight:evaluation"), {"year": year})
    page = response.content.decode()
    assert "38.9" in page and "数据统计至" in page and "平台使用率 5%" in page
    export = client_for(admin).get(
        reverse("oversight:evaluation"), {"year": year, "format": "xlsx"}
    )
    book = load_workbook(io.BytesIO(export.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "镇（街道）" and rows[1][0] == "东阿镇" and rows[1][-1] == 38.9
    assert rows[1][1:7] == ("50.0%", None, None, "100.0%", None, "50.0%")  # nothing due: blank
    months = list(book.worksheets[1].iter_rows(values_only=True))
    decisions = next(r for r in months if r[:2] == ("东阿镇", "审核确认按时办结"))
    assert decisions[2 + timezone.localdate().month - 1] == "1/2" and decisions[-2:] == (1, 2)
    assert client_for(ov_staff["approver"]).get(reverse("oversight:evaluation")).status_code == 404


def test_a_decision_counts_in_time_until_local_midnight_of_its_deadline(ov_staff, dong_e_village):
    admin = ov_staff["admin"]
    due = dt.date(2026, 6, 5)
    for name, local in (
        ("甲", dt.datetime(2026, 6, 5, 23, 30)),
        ("乙", dt.datetime(2026, 6, 6, 0, 30)),
    ):
        recipient = make_recipient(admin, make_household(admin, dong_e_village, name))
        Case.objects.filter(pk=recipient.case_id).update(
            decided_at=timezone.make_aware(local), decision_due=due
        )
    tally.tally_year(admin, 2026, dt.date(2026, 12, 31))
    town = {row.town.code: row for row in evaluation.evaluate(admin, 2026).scores}
    assert town[dong_e_village.parent.code].counts["decisions"] == (1, 2)
    assert town[dong_e_village.parent.code].months["decisions"][5] == (1, 2)  # June


def test_advance_aid_counts_when_paid_within_its_limit(ov_staff, dong_e_village):
    admin = ov_staff["admin"]
    limit = timezone.make_aware(dt.datetime(2026, 3, 2, 10))
    for name, paid in (("甲", dt.timedelta(hours=-1)), ("乙", dt.timedelta(hours=1)), ("丙", None)):
        recipient = make_recipient(admin, make_household(admin, dong_e_village, name))
        Case.objects.filter(pk=recipient.case_id).update(advance_due_at=limit)
        if paid is not None:
            AdvancePayment.objects.create(
                case_id=recipient.case_id,
                amount=Decimal("500.00"),
                method="现金",
                paid_at=limit + paid,
                recorded_by=admin,
            )
    tally.tally_year(admin, 2026, dt.date(2026, 12, 31))
    town = {row.town.code: row for row in evaluation.evaluate(admin, 2026).scores}
    assert town[dong_e_village.parent.code].counts["advance"] == (1, 3)
