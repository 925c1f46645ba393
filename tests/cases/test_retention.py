"""Closed applications past their retention period are anonymised; nothing else is touched."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from jiuzhu.cases import services
from jiuzhu.cases.models import Case, CaseDocument, CaseEvent, HomeVisit, Status
from jiuzhu.cases.retention import ANONYMISED, purge, retention_cutoff
from jiuzhu.cases.services.documents import read_document, upload_root
from jiuzhu.core.models import AuditEntry, RegionLevel
from jiuzhu.core.roles import Role
from tests import factories
from tests.cases.conftest import submit

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(days=6 * 366)


def _age(case: Case) -> None:
    """Move every act on the case six years back (past the 5-year default)."""
    CaseEvent.objects.filter(case=case).update(at=LONG_AGO)


@pytest.fixture
def withdrawn_case(staff, poor_household) -> Case:
    """A withdrawn application with a home visit and an uploaded document, six years old."""
    case = submit(staff["assistant"], poor_household)
    pdf = SimpleUploadedFile("c.pdf", b"%PDF-1.4 commitment", content_type="application/pdf")
    services.add_documents(staff["assistant"], case, [("commitment", pdf)])
    services.accept(staff["assistant"], case, case.version)
    services.start_investigation(staff["assistant"], case, case.version)
    services.record_home_visit(
        staff["assistant"],
        case,
        case.version,
        services.HomeVisitInput(dt.date.today(), "李四", "老人患慢性病，家中无存款。"),
    )
    services.withdraw(staff["assistant"], case, case.version, "子女已接回赡养")
    _age(case)
    return case


def test_purge_anonymises_a_closed_case_past_retention(
    county_admin, withdrawn_case, django_capture_on_commit_callbacks
):
    documents = list(CaseDocument.objects.filter(case=withdrawn_case).order_by("pk"))
    assert [d.kind for d in documents] == ["authorisation", "commitment"]
    stored = [upload_root() / d.stored_path for d in documents]
    assert read_document(documents[1]) == b"%PDF-1.4 commitment"

    with django_capture_on_commit_callbacks(execute=True):
        report = purge(county_admin, retention_cutoff(), dry_run=False)

    scan_bytes = documents[0].size
    assert (report.cases, report.documents, report.document_bytes) == (1, 2, scan_bytes + 19)
    case = Case.objects.get(pk=withdrawn_case.pk)
    assert (case.reason, case.decision_note, case.explanation) == (ANONYMISED, "", {})
    assert case.status == Status.WITHDRAWN and case.number == withdrawn_case.number
    assert list(CaseEvent.objects.filter(case=case).values_list("comment", flat=True)) == [""] * 6
    visit = HomeVisit.objects.get(case=case)
    assert (visit.findings, visit.checklist, visit.second_staff) == (ANONYMISED, {}, "")
    assert not CaseDocument.objects.filter(case=case).exists()
    assert [path.exists() for path in stored] == [False, False]
    entry = AuditEntry.objects.get(action="purge_cases")
    assert entry.changes == {"截止": retention_cutoff().date().isoformat(), "案件": 1, "材料": 2}


def test_a_dry_run_reports_and_writes_nothing(county_admin, withdrawn_case, capsys):
    call_command("purge_cases", "--user", county_admin.username)

    out = capsys.readouterr().out.splitlines()
    cutoff = retention_cutoff()
    assert out == [
        f"将匿名化 {cutoff:%Y-%m-%d} 之前办结的申请 1 件，删除材料 2 份（0.0 MB）。",
        "将匿名化申请均已办结且不在保的家庭 1 户、人员 2 人，删除收入 1 条、财产 0 条。",
        "这是预演：没有修改任何数据。确认后加 --apply 执行。",
    ]
    assert Case.objects.get(pk=withdrawn_case.pk).reason == "老两口年老体弱，收入很低。"
    assert CaseDocument.objects.filter(case=withdrawn_case).count() == 2
    assert not AuditEntry.objects.filter(action="purge_cases").exists()


def test_an_old_open_case_is_kept(staff, county_admin, poor_household):
    open_case = submit(staff["assistant"], poor_household)
    _age(open_case)

    assert purge(county_admin, retention_cutoff(), dry_run=False).cases == 0
    assert Case.objects.get(pk=open_case.pk).reason == "老两口年老体弱，收入很低。"


def test_a_recently_closed_case_is_kept(staff, county_admin, poor_household):
    recent = submit(staff["assistant"], poor_household)
    services.withdraw(staff["assistant"], recent, recent.version, "已自行解决")

    assert purge(county_admin, retention_cutoff(), dry_run=False).cases == 0
    assert Case.objects.get(pk=recent.pk).reason == "老两口年老体弱，收入很低。"


def test_only_the_county_security_role_may_purge(staff, withdrawn_case):
    with pytest.raises(PermissionError) as refused:
        purge(staff["assistant"], retention_cutoff(), dry_run=False)
    assert str(refused.value) == "无权管理接口令牌、查看安全事件。"
    assert Case.objects.get(pk=withdrawn_case.pk).reason == "老两口年老体弱，收入很低。"


def test_the_command_refuses_a_retention_under_a_year(county_admin):
    with pytest.raises(CommandError) as refused:
        call_command("purge_cases", "--years", "0", "--user", county_admin.username)
    assert str(refused.value) == "保存年限至少为 1 年。"


def test_the_cutoff_is_the_same_day_years_before():
    now = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
    assert retention_cutoff(now, 5) == dt.datetime(2021, 12, 1, 9, 30, tzinfo=dt.UTC)
    leap = dt.datetime(2028, 2, 29, tzinfo=dt.UTC)
    assert retention_cutoff(leap, 5) == dt.datetime(2023, 2, 28, tzinfo=dt.UTC)


def test_an_admin_purges_only_their_own_county(withdrawn_case):
    other_county = factories.region("370125000000", "东平县", RegionLevel.COUNTY)
    other_admin = factories.user(Role.COUNTY_ADMIN, other_county)

    assert purge(other_admin, retention_cutoff(), dry_run=False).cases == 0
    assert Case.objects.get(pk=withdrawn_case.pk).reason == "老两口年老体弱，收入很低。"
