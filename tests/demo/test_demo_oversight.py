"""The oversight pages of the demo county have complaints at every stage and alerts."""

import pytest
from django.utils import timezone

from jiuzhu.core.models import User
from jiuzhu.demo.oversight import STORIES, seed_demo
from jiuzhu.oversight import selectors
from jiuzhu.oversight.models import (
    Alert,
    Complaint,
    EvaluationTally,
    Evidence,
    FaultToleranceRecord,
    FollowUp,
    RelativeDeclaration,
    TaskProgress,
)
from tests.conftest import client_for
from tests.demo.helpers import run_demo

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_complaints_alerts_and_a_declared_relative():
    run_demo(300, 5)
    done = seed_demo()
    assert (done.complaints, done.replied, done.overdue) == (len(STORIES), 2, 1)
    statuses = sorted(Complaint.objects.values_list("status", flat=True))
    assert statuses == sorted(
        ["replied", "replied", "concluded", "assigned", "assigned"] + ["received"] * 2
    )
    assert Complaint.objects.filter(anonymous=True, complainant_name="").count() == 3
    assert RelativeDeclaration.objects.count() == 1
    assert Alert.objects.filter(rule="staff_relative").count() == 1
    assert done.alerts == Alert.objects.count() > 0
    concluded = Alert.objects.get(status="concluded")
    (review,) = FollowUp.objects.filter(alert=concluded)
    assert review.kind == "case_review" and review.case.household_id == concluded.household_id
    assert Evidence.objects.get().complaint.channel == "website"
    assert done.dishonesty == 1 and len(selectors.public_blacklist(timezone.localdate())) == 1
    assert FaultToleranceRecord.objects.filter(tolerated=True).count() == 1
    assert TaskProgress.objects.count() == 4
    supervisor = User.objects.get(username="county_supervisor")
    page = client_for(supervisor).get("/oversight/complaints/?view=overdue")
    assert page.content.decode().count("已逾期") == 1
    assert client_for(supervisor).get("/oversight/alerts/").status_code == 200
    year = timezone.localdate().year
    assert EvaluationTally.objects.filter(year=year, indicator="decisions").exists()
    page = client_for(supervisor).get("/oversight/evaluation/").content.decode()
    assert "数据统计至" in page
