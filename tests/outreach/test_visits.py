import datetime as dt

import pytest
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AccessLog
from jiuzhu.outreach import selectors, services
from jiuzhu.outreach.models import Photo, Visit, VisitTarget
from tests.conftest import client_for
from tests.factories import head_of
from tests.outreach.conftest import pdf, png

pytestmark = pytest.mark.django_db


def visit(on, **changes):
    values = {
        "visited_on": on,
        "findings": "精神尚可，屋内无取暖设备。",
        "needs": "冬季取暖",
        "services": ["resource_linking", "emotional_support"],
        "photos": [],
    }
    values.update(changes)
    return services.VisitInput(**values)


def test_plan_a_visit_record_it_and_the_next_one_falls_due(people, household):
    today = timezone.localdate()
    person = head_of(household)
    target = services.add_visit_target(
        people["coordinator"], person, "elderly_alone", today - dt.timedelta(days=40)
    )
    assert (target.village, target.household) == (household.residence_region, household)
    [planned] = selectors.planned_visits(people["assistant"], today)
    # Joined 40 days ago, never visited, every 30 days (parameter): 10 days overdue.
    assert (planned.due, planned.overdue, planned.due_soon) == (
        today - dt.timedelta(days=10),
        True,
        False,
    )
    done = services.record_visit(
        people["coordinator"], target, visit(today - dt.timedelta(days=25), photos=[png()])
    )
    # Stored in the order of the service list, whatever order they were ticked in.
    assert done.services == ["emotional_support", "resource_linking"]
    assert done.service_labels == ["情绪疏导", "资源链接"]
    assert Photo.objects.get().visit == done
    [planned] = selectors.planned_visits(people["assistant"], today)
    assert (planned.due, planned.overdue, planned.due_soon) == (
        today + dt.timedelta(days=5),
        False,
        True,
    )
    # An older visit recorded late does not move the last visit back.
    services.record_visit(people["assistant"], target, visit(today - dt.timedelta(days=30)))
    assert VisitTarget.objects.get().last_visited_on == today - dt.timedelta(days=25)
    [village] = selectors.visits_by_village(selectors.planned_visits(people["assistant"], today))
    assert (village.name, village.people, village.due_soon, village.overdue) == (
        household.residence_region.name,
        1,
        1,
        0,
    )
    with pytest.raises(DomainError, match=r"^该人员已是独居老人探访对象。$"):
        services.add_visit_target(people["assistant"], person, "elderly_alone", today)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"findings": ""}, "请填写探访情况。"),
        ({"services": ["massage"]}, "请从列表中选择提供的服务。"),
        ({"photos": [pdf("记录.pdf")]}, "文件“记录.pdf”不是照片，只能上传JPG或PNG图片。"),
    ],
)
def test_bad_visit_input_is_refused_and_nothing_is_written(people, household, changes, message):
    today = timezone.localdate()
    target = services.add_visit_target(
        people["coordinator"], head_of(household), "elderly_alone", today
    )
    with pytest.raises(DomainError) as refused:
        services.record_visit(people["coordinator"], target, visit(today, **changes))
    assert refused.value.message == message
    assert not Visit.objects.exists() and not Photo.objects.exists()


def test_visit_dates_and_who_may_not_visit(people, household):
    today = timezone.localdate()
    target = services.add_visit_target(
        people["assistant"], head_of(household), "elderly_alone", today
    )
    with pytest.raises(DomainError, match=r"^探访日期不能晚于今天。$"):
        services.record_visit(people["coordinator"], target, visit(today + dt.timedelta(days=1)))
    with pytest.raises(DomainError, match=r"^探访日期不能早于纳入探访的日期。$"):
        services.record_visit(people["coordinator"], target, visit(today - dt.timedelta(days=1)))
    message = r"^您不负责该村（社区），不能记录此人的探访。$"
    for outsider in ("other_coordinator", "other_assistant"):
        with pytest.raises(DomainError, match=message):
            services.record_visit(people[outsider], target, visit(today))
    for role in ("volunteer", "approver", "auditor"):
        with pytest.raises(PermissionError, match=r"^无权记录探访帮扶。$"):
            services.record_visit(people[role], target, visit(today))
    with pytest.raises(PermissionError, match=r"^无权管理探访对象。$"):
        services.add_visit_target(people["volunteer"], head_of(household), "child_hardship", today)
    with pytest.raises(PermissionError, match=r"^不在本人管辖区域内。$"):
        services.add_visit_target(
            people["other_coordinator"], head_of(household), "child_hardship", today
        )
    with pytest.raises(DomainError, match=r"^请选择探访对象类别。$"):
        services.add_visit_target(people["assistant"], head_of(household), "rich", today)
    assert not Visit.objects.exists() and VisitTarget.objects.count() == 1
    services.end_visit_target(people["coordinator"], target, "迁往养老院集中供养")
    with pytest.raises(DomainError, match=r"^该人员已移出探访计划。$"):
        services.record_visit(people["coordinator"], target, visit(today))
    assert selectors.planned_visits(people["assistant"], today) == []


def test_visit_pages_are_scoped_and_logged(people, household):
    today = timezone.localdate()
    client = client_for(people["coordinator"])
    added = client.post(
        "/outreach/visits/",
        {
            "household_number": household.number,
            "person_name": "孙老汉",
            "group": "elderly_alone",
            "since": today.isoformat(),
        },
        follow=True,
    )
    assert "已将孙老汉纳入探访计划。" in added.content.decode()
    target = VisitTarget.objects.get()
    unknown = client.post(
        "/outreach/visits/",
        {
            "household_number": household.number,
            "person_name": "李四",
            "group": "elderly_alone",
            "since": today.isoformat(),
        },
    )
    assert "该户没有这名现有成员。" in unknown.content.decode()
    page = client.get(f"/outreach/visits/{target.pk}/")
    assert page.status_code == 200 and "记录探访" in page.content.decode()
    assert f'value="{today.isoformat()}"' in page.content.decode()  # a date input's format
    # The plan shown after adding, again after the refusal, then the person's page.
    logged = AccessLog.objects.order_by("pk").values_list("object_type", "object_id")
    assert list(logged) == [("visit_target", target.pk)] * 3
    refused = client.post(
        f"/outreach/visits/{target.pk}/",
        {"visited_on": today.isoformat(), "findings": "在家", "photos": [pdf("记录.pdf")]},
    )
    assert "文件“记录.pdf”不是照片，只能上传JPG或PNG图片。" in refused.content.decode()
    saved = client.post(
        f"/outreach/visits/{target.pk}/",
        {"visited_on": today.isoformat(), "findings": "在家", "services": ["care"]},
        follow=True,
    )
    assert (
        "探访记录已保存。" in saved.content.decode() and "服务：生活照料" in saved.content.decode()
    )
    # Refused and shown again, saved and shown again with its visit.
    visit = Visit.objects.get()
    assert list(logged.all()) == [("visit_target", target.pk)] * 5 + [("visit", visit.pk)]
    assert AccessLog.objects.get(object_type="visit").household_id == household.pk
    for outsider in ("other_coordinator", "other_assistant", "volunteer"):
        assert client_for(people[outsider]).get(f"/outreach/visits/{target.pk}/").status_code == 404
    assert client_for(people["volunteer"]).get("/outreach/visits/").status_code == 404
    assert AccessLog.objects.count() == 6
    # The auditor reads but neither plans nor records.
    audit = client_for(people["auditor"]).get(f"/outreach/visits/{target.pk}/").content.decode()
    assert "记录探访" not in audit and "移出探访计划" not in audit
