import datetime as dt

import pytest
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Task
from jiuzhu.core.workdays import Calendar
from jiuzhu.outreach import monitoring, selectors
from jiuzhu.outreach.models import MonitoringWarning
from jiuzhu.registry.models import Relation
from jiuzhu.verification.models import ExtractStatus
from tests import factories
from tests.conftest import client_for
from tests.factories import head_of
from tests.verification.conftest import import_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def families(people, dong_e_village, meigui_village):
    """Two households of 东阿村 and one of 玫瑰村, heads born on distinct days."""

    def family(village, name, born):
        return factories.household(
            people["admin"],
            village,
            members=[factories.born(Relation.HEAD, name, village, born)],
        )

    return {
        "dead": family(dong_e_village, "赵一", dt.date(1960, 1, 1)),
        "jobless": family(dong_e_village, "钱二", dt.date(1980, 2, 2)),
        "small": family(dong_e_village, "孙三", dt.date(1981, 3, 3)),
        "meigui": family(meigui_village, "李四", dt.date(1982, 4, 4)),
    }


def identity(household):
    person = head_of(household)
    return {"id_number": person.id_number, "name": person.name, "birth_date": person.birth_date}


def test_rules_raise_warnings_for_the_town_with_evidence_once(people, families, officer, tmp_path):
    today = timezone.localdate()
    recent, old = today - dt.timedelta(days=10), today - dt.timedelta(days=200)
    deaths = [
        {**identity(families["dead"]), "death_date": recent},
        {**identity(families["meigui"]), "death_date": old},
    ]
    for extract_date, rows in ((old, deaths[1:]), (recent, deaths[:1])):
        imported = import_rows(officer, tmp_path, "deaths", rows, extract_date)
        assert imported.extract.status == ExtractStatus.ACCEPTED
    before = [
        {**identity(families["jobless"]), "monthly_amount": "1200.00"},
        {**identity(families["small"]), "monthly_amount": "300.00"},  # under the 500 threshold
        {**identity(families["meigui"]), "monthly_amount": "900.00"},  # still paid
    ]
    import_rows(officer, tmp_path, "unemployment", before, today - dt.timedelta(days=40))
    import_rows(officer, tmp_path, "unemployment", before[2:], today - dt.timedelta(days=5))

    with pytest.raises(PermissionError, match=r"^无权运行低收入人口监测预警。$"):
        monitoring.run_rules(people["assistant"], today)
    assert monitoring.run_rules(people["admin"], today) == 2
    due = Calendar().add_working_days(today, 5)
    found = {
        (w.rule, w.person.name, w.town_code, w.handling_due, w.evidence["amount_fen"])
        for w in MonitoringWarning.objects.select_related("person")
    }
    assert found == {
        ("death", "赵一", "370124102000", due, 0),
        ("benefit_lost", "钱二", "370124102000", due, 120_000),
    }
    death = MonitoringWarning.objects.get(rule="death")
    assert death.evidence["source_date"] == str(recent)
    assert death.rule_label == "家庭成员死亡（可能失去主要劳动力）"
    # Run again: the same hits are not raised twice.
    assert monitoring.run_rules(people["admin"], today) == 0
    assert selectors.warnings_in_area(people["other_assistant"]).count() == 0
    assert selectors.warnings_in_area(people["assistant"]).count() == 2


def test_handling_is_recorded_once_by_the_town(people, families, officer, tmp_path):
    today = timezone.localdate()
    import_rows(
        officer, tmp_path, "deaths", [{**identity(families["dead"]), "death_date": today}], today
    )
    monitoring.run_rules(people["admin"], today)
    warning = MonitoringWarning.objects.get()
    with pytest.raises(PermissionError, match=r"^不在本人管辖区域内。$"):
        monitoring.handle_warning(people["other_assistant"], warning, "visit", "已入户")
    with pytest.raises(PermissionError, match=r"^无权处置监测预警。$"):
        monitoring.handle_warning(people["coordinator"], warning, "visit", "已入户")
    with pytest.raises(DomainError, match=r"^请选择处置方式。$"):
        monitoring.handle_warning(people["assistant"], warning, "ignore", "不管")
    with pytest.raises(DomainError, match=r"^请填写处置说明（最多500字）。$"):
        monitoring.handle_warning(people["assistant"], warning, "visit", " ")
    assert MonitoringWarning.objects.get().handled_at is None
    monitoring.handle_warning(people["assistant"], warning, "visit", "已入户核实，遗孀独居")
    handled = MonitoringWarning.objects.get()
    assert (handled.handling, handled.handled_by) == ("visit", people["assistant"])
    with pytest.raises(DomainError, match=r"^该预警已处置。$"):
        monitoring.handle_warning(people["approver"], warning, "no_action", "重复")


def test_warnings_page_runs_the_rules_as_a_task_and_records_handling(
    settings, people, families, officer, tmp_path
):
    settings.JIUZHU_TASKS_INLINE = True
    today = timezone.localdate()
    import_rows(
        officer, tmp_path, "deaths", [{**identity(families["dead"]), "death_date": today}], today
    )
    assert (
        client_for(people["assistant"]).post("/outreach/warnings/", {"action": "run"}).status_code
        == 404
    )
    client_for(people["admin"]).post("/outreach/warnings/", {"action": "run"})
    task = Task.objects.get(kind=monitoring.TASK_KIND)
    assert (task.status, task.result) == ("done", {"new": 1})
    warning = MonitoringWarning.objects.get()
    town = client_for(people["assistant"])
    page = town.get("/outreach/warnings/").content.decode()
    assert "家庭成员死亡（可能失去主要劳动力）" in page and "赵一" in page
    refused = town.post(
        "/outreach/warnings/",
        {"action": "handle", "warning": warning.pk, "handling": "visit", "note": ""},
        follow=True,
    )
    assert "请选择处置方式并填写处置说明。" in refused.content.decode()
    town.post(
        "/outreach/warnings/",
        {
            "action": "handle",
            "warning": warning.pk,
            "handling": "application",
            "note": "已受理临时救助",
        },
    )
    assert MonitoringWarning.objects.get().handling == "application"
    assert (
        "赵一"
        not in client_for(people["other_assistant"]).get("/outreach/warnings/").content.decode()
    )
