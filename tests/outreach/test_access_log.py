"""Every lead, visit and warning a page shows is written to the access log, for whoever
may see it, with its household; those who may not see it read nothing and log nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from jiuzhu.core.models import AccessLog
from jiuzhu.outreach import monitoring, services
from jiuzhu.outreach.models import Lead, MonitoringWarning
from tests.conftest import client_for
from tests.factories import head_of
from tests.outreach.test_leads import lead_input
from tests.outreach.test_visits import visit
from tests.verification.conftest import import_rows

pytestmark = pytest.mark.django_db


def logged(user) -> list[tuple[str, int, int | None]]:
    entries = AccessLog.objects.filter(user=user).order_by("pk")
    return list(entries.values_list("object_type", "object_id", "household_id"))


def test_the_lead_list_logs_every_lead_shown(people, dong_e_village, household):
    lead = services.report_lead(people["grid"], lead_input(dong_e_village))
    services.link_household(people["assistant"], lead, household)
    page = client_for(people["assistant"]).get("/outreach/leads/").content.decode()
    assert lead.person_name in page
    assert logged(people["assistant"]) == [("lead", lead.pk, household.pk)]
    # The reporter sees the lead they filed among theirs: logged as theirs.
    client_for(people["grid"]).get("/outreach/leads/")
    assert logged(people["grid"]) == [("lead", lead.pk, household.pk)]
    other = client_for(people["other_assistant"]).get("/outreach/leads/").content.decode()
    assert lead.person_name not in other and logged(people["other_assistant"]) == []
    assert Lead.objects.count() == 1


def test_the_warnings_page_logs_every_warning_shown(people, household, officer, tmp_path):
    today = timezone.localdate()
    person = head_of(household)
    loss = {
        "id_number": person.id_number,
        "name": person.name,
        "birth_date": person.birth_date,
        "disaster": "暴雨",
        "occurred_on": today - dt.timedelta(days=3),
        "damage": "房屋倒塌",
        "loss": "9000.00",
    }
    import_rows(officer, tmp_path, "disasters", [loss], today)
    monitoring.run_rules(people["admin"], today)
    warning = MonitoringWarning.objects.get()
    client_for(people["assistant"]).get("/outreach/warnings/")
    assert logged(people["assistant"]) == [("warning", warning.pk, household.pk)]
    monitoring.handle_warning(people["assistant"], warning, "visit", "已入户")
    client_for(people["approver"]).get("/outreach/warnings/")  # handled ones are shown too
    assert logged(people["approver"]) == [("warning", warning.pk, household.pk)]
    client_for(people["other_assistant"]).get("/outreach/warnings/")
    assert logged(people["other_assistant"]) == []
    assert client_for(people["volunteer"]).get("/outreach/warnings/").status_code == 404
    assert logged(people["volunteer"]) == []


def test_a_persons_page_logs_each_visit_shown(people, household):
    today = timezone.localdate()
    target = services.add_visit_target(
        people["coordinator"], head_of(household), "elderly_alone", today - dt.timedelta(days=9)
    )
    first = services.record_visit(people["coordinator"], target, visit(today - dt.timedelta(3)))
    second = services.record_visit(people["coordinator"], target, visit(today))
    client_for(people["assistant"]).get(f"/outreach/visits/{target.pk}/")
    assert logged(people["assistant"]) == [
        ("visit_target", target.pk, household.pk),
        ("visit", second.pk, household.pk),
        ("visit", first.pk, household.pk),
    ]
    assert (
        client_for(people["other_coordinator"]).get(f"/outreach/visits/{target.pk}/").status_code
        == 404
    )
    assert logged(people["other_coordinator"]) == []
