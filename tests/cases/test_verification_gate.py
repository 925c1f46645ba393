"""A case is not decided on a verification that has not run, or ran without any department's
data: its "一致" would mean nothing."""

import pytest
from django.utils import timezone

from jiuzhu.cases import services
from jiuzhu.cases.models import Action, CaseEvent, Status
from jiuzhu.core.errors import DomainError
from jiuzhu.verification import jobs
from jiuzhu.verification import services as verification_services
from jiuzhu.verification.models import JobStatus, VerificationJob
from tests import factories
from tests.cases.conftest import submit
from tests.verification.conftest import import_rows

pytestmark = pytest.mark.django_db

NOT_DONE = "家庭经济状况核对尚未完成，请待核对报告生成后再审核确认。"
FAILED = "家庭经济状况核对失败，请重新发起核对，待核对报告生成后再审核确认。"
NO_DATA = "家庭经济状况核对时没有任何部门的数据，请导入部门数据、重新核对后再审核确认。"


@pytest.fixture(autouse=True)
def _no_spawn(settings):
    settings.JIUZHU_VERIFICATION_SPAWN = False


def investigating(staff, household):
    case = submit(staff["assistant"], household)
    services.accept(staff["assistant"], case, case.version)
    services.start_investigation(staff["assistant"], case, case.version)
    return case


def to_decision(staff, case):
    services.record_home_visit(
        staff["assistant"],
        case,
        case.version,
        services.HomeVisitInput(
            visited_on=timezone.localdate(),
            second_staff="李协理员",
            findings="家中无车，住房简陋。",
            checklist={"members_confirmed": True},
            household_signed=True,
        ),
    )
    services.complete_investigation(staff["assistant"], case, case.version)
    services.record_community_review(
        staff["assistant"], case, case.version, timezone.localdate(), 9, "一致同意"
    )
    assert case.status == Status.DECIDING


def test_no_verification_without_any_department_data(staff, poor_household):
    case = investigating(staff, poor_household)
    with pytest.raises(DomainError) as refused:
        services.request_verification(staff["assistant"], case, case.version)
    assert str(refused.value) == verification_services.NO_DEPARTMENT_DATA
    assert not VerificationJob.objects.exists()
    assert not CaseEvent.objects.filter(case=case, action=Action.REQUEST_VERIFICATION).exists()


def test_case_waits_for_its_verification_to_have_data(staff, poor_household, tmp_path):
    import_rows(
        staff["officer"],
        tmp_path,
        "employment",
        [
            {
                "id_number": factories.id_number(),
                "name": "外县人",
                "employer": "厂",
                "monthly_wage": "1",
            }
        ],
    )
    case = investigating(staff, poor_household)
    job = services.request_verification(staff["assistant"], case, case.version)
    to_decision(staff, case)

    with pytest.raises(DomainError) as refused:
        services.approve(staff["approver"], case, case.version)
    assert str(refused.value) == NOT_DONE
    case.refresh_from_db()
    assert case.status == Status.DECIDING and case.decided_at is None

    VerificationJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    with pytest.raises(DomainError) as refused:
        services.approve(staff["approver"], case, case.version)
    assert str(refused.value) == FAILED
    VerificationJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)

    compared = jobs.run_job(job.pk).extract_ids
    assert len(compared) == 1
    # A job that compared nothing (one run before any data existed) does not count either.
    VerificationJob.objects.filter(pk=job.pk).update(extract_ids=[])
    with pytest.raises(DomainError) as refused:
        services.approve(staff["approver"], case, case.version)
    assert str(refused.value) == NO_DATA

    VerificationJob.objects.filter(pk=job.pk).update(extract_ids=compared)
    services.approve(staff["approver"], case, case.version)
    assert case.status == Status.NOTICE
