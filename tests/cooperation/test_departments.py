"""一门受理、协同办理: the town dispatches, the department's officer decides, the applicant
sees the decision in their own list."""

import datetime as dt

import pytest

from jiuzhu.cooperation import selectors, services
from jiuzhu.cooperation.models import ApplicationStatus, DepartmentApplication
from jiuzhu.core.errors import DomainError
from jiuzhu.core.roles import Role
from jiuzhu.portal.selectors import my_department_applications
from jiuzhu.registry.models import Relation
from tests import factories
from tests.conftest import client_for
from tests.portal.conftest import signed_in_client


@pytest.fixture
def setting(dong_e, meigui, dong_e_village):
    county = factories.county()
    admin = factories.user(Role.COUNTY_ADMIN, county)
    household = factories.household_with_incomes(
        admin,
        dong_e_village,
        [factories.born(Relation.HEAD, "岗老汉", dong_e_village, dt.date(1970, 3, 1))],
    )
    assistant = factories.user(Role.TOWN_ASSISTANT, dong_e, username="b1")
    return {
        "assistant": assistant,
        "other_town": factories.user(Role.TOWN_ASSISTANT, meigui, username="b2"),
        "hr": factories.user(
            Role.DEPARTMENT_HANDLER, county, username="b3", department="县人力资源和社会保障局"
        ),
        "housing": factories.user(
            Role.DEPARTMENT_HANDLER, county, username="b4", department="县住房和城乡建设局"
        ),
        "household": household,
        "head": factories.head_of(household),
    }


def dispatched(setting, department="human_resources"):
    return services.dispatch(
        setting["assistant"],
        setting["head"],
        setting["household"],
        department,
        "就业援助",
        "申请公益性岗位",
    )


def test_the_department_decides_and_the_applicant_sees_it(setting):
    application = dispatched(setting)
    assert application.status == ApplicationStatus.DISPATCHED
    assert list(selectors.applications(setting["hr"])) == [application]
    assert list(selectors.applications(setting["housing"])) == []
    services.decide(setting["hr"], application, True, "安排公益性岗位（保洁）", "1800")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.amount_fen == 180_000
    (seen,) = my_department_applications(setting["head"])
    assert seen.decision == (
        f"{application.decided_at:%Y-%m-%d} 部门已批准：安排公益性岗位（保洁），给予 1,800.00 元"
    )
    with pytest.raises(DomainError) as refused:
        services.decide(setting["hr"], application, False, "重复")
    assert refused.value.message == "该申请已办结。"


def test_refusal_needs_a_reason(setting):
    application = dispatched(setting)
    with pytest.raises(DomainError) as refused:
        services.decide(setting["hr"], application, False, " ")
    assert refused.value.message == "请填写不予批准的理由。"
    services.decide(setting["hr"], application, False, "已有稳定就业")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REFUSED
    assert application.amount_fen is None


def test_bad_dispatches_are_refused(setting):
    with pytest.raises(DomainError) as refused:
        dispatched(setting, department="police")
    assert refused.value.message == "请选择承办部门。"
    with pytest.raises(DomainError) as refused:
        services.dispatch(
            setting["assistant"], setting["head"], setting["household"], "housing", "", "x"
        )
    assert refused.value.message == "请填写申请事项。"
    assert DepartmentApplication.objects.count() == 0


def test_who_may_not(setting):
    with pytest.raises(PermissionError):
        dispatched(setting | {"assistant": setting["other_town"]})
    with pytest.raises(PermissionError):
        dispatched(setting | {"assistant": setting["hr"]})
    application = dispatched(setting)
    with pytest.raises(PermissionError):
        services.decide(setting["housing"], application, True, "给予")
    with pytest.raises(PermissionError):
        services.decide(setting["assistant"], application, True, "给予")
    url = f"/cooperation/applications/{application.pk}/"
    assert client_for(setting["housing"]).get(url).status_code == 404
    assert client_for(setting["other_town"]).get(url).status_code == 404
    assert DepartmentApplication.objects.get().status == ApplicationStatus.DISPATCHED


def test_pages_dispatch_and_decide(setting):
    page = client_for(setting["assistant"]).post(
        "/cooperation/applications/new/",
        {
            "household": setting["household"].number,
            "applicant": "岗老汉",
            "department": "human_resources",
            "programme": "就业援助",
            "request": "申请公益性岗位",
        },
        follow=True,
    )
    assert "已转县人力资源和社会保障局办理。" in page.content.decode()
    application = DepartmentApplication.objects.get()
    hr = client_for(setting["hr"])
    page = hr.post(
        f"/cooperation/applications/{application.pk}/",
        {"outcome": "approve", "decision": "安排岗位", "amount": "-1"},
    )
    assert "给予金额不能为负数。" in page.content.decode()
    hr.post(
        f"/cooperation/applications/{application.pk}/",
        {"outcome": "approve", "decision": "安排岗位", "amount": ""},
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    household_page = client_for(setting["assistant"]).get(f"/households/{setting['household'].pk}/")
    assert "县人力资源和社会保障局·就业援助（部门已批准）" in household_page.content.decode()


def test_the_applicant_follows_it_on_the_phone(setting, django_capture_on_commit_callbacks):
    head = setting["head"]
    head.phone = "13900000009"
    head.save(update_fields=["phone"])
    application = dispatched(setting)
    services.decide(setting["hr"], application, False, "已有稳定就业")
    client = signed_in_client(head, django_capture_on_commit_callbacks)
    text = client.get("/portal/").content.decode()
    assert "县人力资源和社会保障局·就业援助" in text
    assert "部门不予批准：已有稳定就业" in text
