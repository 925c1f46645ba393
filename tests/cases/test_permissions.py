import pytest

from jiuzhu.cases import services
from jiuzhu.cases.actions import STEPS
from jiuzhu.cases.models import Action, CaseEvent, Status
from jiuzhu.cases.workflow import TRANSITIONS
from jiuzhu.core.roles import Role
from tests import factories
from tests.cases.conftest import investigate, submit
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ROLE_KEYS = {
    Role.TOWN_ASSISTANT: "assistant",
    Role.TOWN_APPROVER: "approver2",
    Role.VILLAGE_COORDINATOR: "coordinator",
    Role.COUNTY_SUPERVISOR: "supervisor",
    Role.COUNTY_ADMIN: "admin",
    Role.AUDITOR: "auditor",
    Role.SOCIAL_WORKER: "social_worker",
    Role.DEPARTMENT_OFFICER: "officer",
}


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_every_transition_refuses_every_role_it_does_not_name(staff, poor_household, action):
    case = submit(staff["assistant"], poor_household)
    for role, key in ROLE_KEYS.items():
        if role in TRANSITIONS[action].roles:
            continue
        with pytest.raises(PermissionError) as refused:
            services.check_allowed(staff[key], case, action)
        assert str(refused.value) == f"您的角色不能执行“{TRANSITIONS[action].label}”。"


def test_every_transition_has_one_form_and_one_service_and_no_more():
    assert set(STEPS) == set(TRANSITIONS)
    assert all(action in Action.values for action in TRANSITIONS)
    # The review recomputes the amount through its own service, not another act's.
    assert STEPS[Action.REVIEW].service is services.review
    assert TRANSITIONS[Action.REVIEW].label == "复核（重新计算金额）"
    assert Action.REVIEW.label == "复核"


def test_a_case_history_shows_each_action_in_chinese(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.action_label) == (Action.SUBMIT, "提交申请")
    assert event.to_status == Status.SUBMITTED


def test_supervisors_cannot_decide(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    investigate(case, staff["assistant"])
    with pytest.raises(PermissionError):
        services.approve(staff["supervisor"], case, case.version)
    assert case.status == "deciding"


def test_the_investigator_cannot_decide_the_same_case(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    services.accept(staff["assistant"], case, case.version)
    # The approver does the home visit himself...
    services.start_investigation(staff["approver"], case, case.version)
    investigate_rest = services.HomeVisitInput(
        visited_on=case.accepted_on, second_staff="李四", findings="属实"
    )
    services.record_home_visit(staff["coordinator"], case, case.version, investigate_rest)
    services.complete_investigation(staff["assistant"], case, case.version)
    services.record_community_review(
        staff["coordinator"], case, case.version, case.accepted_on, 5, "同意"
    )
    with pytest.raises(PermissionError, match="调查人员"):
        services.approve(staff["approver"], case, case.version)
    # ...so another approver decides.
    services.approve(staff["approver2"], case, case.version)
    assert case.status == "notice"


def test_another_towns_staff_can_take_in_but_not_act_or_decide(staff, poor_household):
    case = submit(staff["other_assistant"], poor_household)
    # Intake at any town (全县通办); the case is routed to the town responsible at once.
    with pytest.raises(PermissionError, match="该申请已转东阿镇办理，受理地不能执行“受理”。"):
        services.accept(staff["other_assistant"], case, case.version)
    services.accept(staff["assistant"], case, case.version)
    with pytest.raises(PermissionError, match="受理地不能执行“开始调查”"):
        services.start_investigation(staff["other_assistant"], case, case.version)
    with pytest.raises(PermissionError):
        services.check_allowed(staff["other_approver"], case, "approve")


def test_pages_answer_404_outside_the_area(staff, poor_household, meigui_village, county_admin):
    other_household = factories.household(county_admin, meigui_village)
    case = submit(staff["other_assistant"], other_household)
    client = client_for(staff["assistant"])
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert (
        client.post(f"/cases/{case.pk}/act/accept/", {"version": case.version}).status_code == 404
    )
    assert client_for(staff["other_assistant"]).get(f"/cases/{case.pk}/").status_code == 200
    assert client_for(staff["officer"]).get("/cases/").status_code == 404
