import datetime as dt
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.cases import rules, selectors, services, views
from jiuzhu.cases.models import Action, Case, CaseDocument, SpotCheck, Status
from jiuzhu.core.errors import DomainError
from jiuzhu.core.workdays import Calendar
from tests import factories
from tests.cases.conftest import investigate, set_today, submit
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.mark.parametrize(
    ("accepted", "due"),
    [
        # Spring Festival 2026: 15-23 Feb off, Sat 14 Feb and Sat 28 Feb worked.
        (D(2026, 2, 10), D(2026, 3, 9)),
        # National Day 2025: 1-8 Oct off, Sun 28 Sep and Sat 11 Oct worked.
        (D(2025, 9, 26), D(2025, 10, 23)),
    ],
)
def test_fifteen_working_days_across_holidays_and_make_up_days(
    staff, poor_household, monkeypatch, accepted, due
):
    set_today(monkeypatch, accepted)
    case = submit(staff["assistant"], poor_household)
    services.accept(staff["assistant"], case, case.version)
    assert case.decision_due == due
    assert Calendar().working_days_between(accepted, due) == 15


def test_pausing_for_materials_moves_the_deadline(staff, poor_household, monkeypatch):
    set_today(monkeypatch, D(2026, 3, 2))  # Monday
    case = submit(staff["assistant"], poor_household)
    services.accept(staff["assistant"], case, case.version)
    first_due = case.decision_due
    services.pause_clock(staff["assistant"], case, case.version, "缺少病历")
    set_today(monkeypatch, D(2026, 3, 6))  # Friday: 4 working days paused
    services.resume_clock(staff["assistant"], case, case.version)
    assert case.paused_working_days == 4
    assert case.decision_due == Calendar().add_working_days(first_due, 4)


def test_overdue_and_warning_lists(staff, poor_household, monkeypatch):
    set_today(monkeypatch, D(2026, 3, 2))
    case = submit(staff["assistant"], poor_household)
    services.accept(staff["assistant"], case, case.version)
    set_today(
        monkeypatch, Calendar().add_working_days(case.decision_due, -0) - dt.timedelta(days=1)
    )
    assert case in selectors.due_soon(staff["assistant"])
    set_today(monkeypatch, case.decision_due + dt.timedelta(days=1))
    assert list(selectors.overdue_cases(staff["assistant"])) == [case]
    assert list(selectors.overdue_cases(staff["other_assistant"])) == []
    assert selectors.overdue_by_person(staff["assistant"]) == [("（未分派）", 1)]
    deadline = selectors.deadline(case)
    assert deadline.overdue and deadline.working_days_left == -1


def test_the_overdue_list_is_paged_and_counts_every_case_by_town_and_by_name(
    staff, poor_household, dong_e_village, county_admin, monkeypatch
):
    set_today(monkeypatch, D(2026, 3, 2))
    assistant = staff["assistant"]
    assistant.last_name, assistant.first_name = "张", "明"
    assistant.save()
    households = [poor_household] + [
        factories.household(county_admin, dong_e_village) for _ in range(2)
    ]
    cases = [submit(assistant, household) for household in households]
    for case in cases:
        services.accept(assistant, case, case.version)
    services.start_investigation(assistant, cases[0], cases[0].version)
    set_today(monkeypatch, D(2026, 4, 30))
    monkeypatch.setattr(views, "OVERDUE_PAGE_SIZE", 2)
    client = client_for(assistant)
    first = client.get("/cases/overdue/").content.decode()
    second = client.get("/cases/overdue/", {"page": "2"}).content.decode()
    numbers = [case.number for case in cases]
    assert [number in first for number in numbers] == [True, True, False]
    assert [number in second for number in numbers] == [False, False, True]
    for page in (first, second):
        assert "东阿镇：3件" in page and "（未分派）：2件" in page and "张明：1件" in page
        assert assistant.username not in page
        assert "共 3 条" in page
    assert "第 2 / 2 页" in second


def test_duplicate_open_application_is_refused(staff, poor_household):
    first = submit(staff["assistant"], poor_household)
    with pytest.raises(DomainError, match=first.number):
        submit(staff["other_assistant"], poor_household)
    assert Case.objects.count() == 1


def test_no_acceptance_without_commitment_no_verification_without_authorisation(
    staff, poor_household
):
    case = submit(
        staff["assistant"], poor_household, commitment_signed=False, authorisation_signed=False
    )
    with pytest.raises(DomainError, match="承诺书"):
        services.accept(staff["assistant"], case, case.version)
    pdf = SimpleUploadedFile("c.pdf", b"%PDF-1.4 commitment", content_type="application/pdf")
    services.add_documents(staff["assistant"], case, [("commitment", pdf)])
    services.accept(staff["assistant"], case, case.version)
    services.start_investigation(staff["assistant"], case, case.version)
    services.record_home_visit(
        staff["assistant"],
        case,
        case.version,
        services.HomeVisitInput(D.today(), "李四", "情况属实"),
    )
    with pytest.raises(DomainError, match="授权书"):
        services.complete_investigation(staff["assistant"], case, case.version)
    assert case.status == Status.INVESTIGATING


def test_illegal_transition_and_stale_version(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    with pytest.raises(DomainError, match="不能执行"):
        services.approve(staff["approver"], case, case.version)
    stale = case.version
    services.accept(staff["assistant"], case, case.version)
    with pytest.raises(DomainError, match="刷新"):
        services.start_investigation(staff["assistant"], case, stale)
    assert case.events.count() == 2


def test_home_visit_needs_two_staff_and_findings(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    services.accept(staff["assistant"], case, case.version)
    services.start_investigation(staff["assistant"], case, case.version)
    with pytest.raises(DomainError) as refused:
        services.record_home_visit(
            staff["assistant"], case, case.version, services.HomeVisitInput(D.today(), "", "x")
        )
    assert refused.value.message == "入户调查须有两名工作人员，请填写第二名调查人员。"
    with pytest.raises(DomainError, match="晚于今天"):
        services.record_home_visit(
            staff["assistant"],
            case,
            case.version,
            services.HomeVisitInput(D.today() + dt.timedelta(days=1), "李四", "x"),
        )
    assert not case.home_visits.exists()
    assert case.events.count() == 3 and Case.objects.get(pk=case.pk).version == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "格式不被接受"),
        ("fake.pdf", b"<html>not a pdf</html>", "格式不被接受"),
        ("empty.png", b"", "空文件"),
        ("huge.pdf", b"%PDF-" + b"0" * (services.MAX_UPLOAD_BYTES + 1), "超过"),
    ],
)
def test_uploads_of_the_wrong_type_or_size_are_refused(
    staff, poor_household, name, content, message
):
    # No 授权书 scan handed in at intake: the case has no document before the upload.
    case = submit(staff["assistant"], poor_household, authorisation_signed=False)
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(DomainError, match=message):
        services.add_documents(staff["assistant"], case, [("other", upload)])
    assert not CaseDocument.objects.exists()
    assert not any(services.upload_root().glob(f"{case.pk}/*"))


def test_uploads_are_stored_outside_the_web_root(staff, poor_household, settings):
    case = submit(staff["assistant"], poor_household)
    png_bytes = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    png = SimpleUploadedFile("photo.png", png_bytes)
    (document,) = services.add_documents(staff["assistant"], case, [("id_cards", png)])
    stored = services.upload_root() / document.stored_path
    assert stored.is_file() and settings.STATIC_ROOT not in stored.parents
    # Sealed on disk (issue 19): neither the picture nor its signature is readable there.
    raw = stored.read_bytes()
    assert raw.startswith(b"JZSEALED1") and b"\x89PNG" not in raw
    assert services.read_document(document) == png_bytes
    assert document.content_type == "image/png"
    assert "photo" not in document.stored_path  # names chosen by the server
    assert document.size == len(png_bytes)
    assert document.sha256 == hashlib.sha256(png_bytes).hexdigest()


def test_spot_checks_draw_a_share_of_decided_cases(
    staff, poor_household, dong_e_village, county_admin
):
    decided = []
    for _ in range(10):
        household = factories.household(county_admin, dong_e_village)
        case = submit(staff["assistant"], household)
        investigate(case, staff["assistant"])
        services.reject(staff["approver"], case, case.version, "第九条", "收入超标")
        decided.append(case)
    checks = services.select_spot_checks(staff["supervisor"])
    share = rules.spot_check_share(D.today())
    assert len(checks) == round(10 * share)
    assert {check.case for check in checks} <= set(decided)
    with pytest.raises(PermissionError) as refused:
        services.select_spot_checks(staff["approver"])
    assert str(refused.value) == "只有县级监管人员可以抽查。"
    assert SpotCheck.objects.count() == len(checks)  # nothing more drawn
    check = SpotCheck.objects.create(case=decided[0], checker=staff["supervisor"])
    with pytest.raises(PermissionError) as refused:
        services.record_spot_check(staff["approver"], check, "程序完整", False)
    assert str(refused.value) == "只有县级监管人员可以登记抽查意见。"
    services.record_spot_check(staff["supervisor"], check, "程序完整", False)
    check.refresh_from_db()
    assert (check.finding, check.problem_found) == ("程序完整", False)
    event = decided[0].events.get(action=Action.SPOT_CHECK)
    assert (event.comment, event.data) == ("程序完整", {"problem_found": False})


def test_a_list_counts_each_due_date_once_with_the_same_deadlines(
    staff, poor_household, dong_e_village, county_admin, monkeypatch
):
    set_today(monkeypatch, D(2026, 3, 2))
    accepted = submit(staff["assistant"], poor_household)
    services.accept(staff["assistant"], accepted, accepted.version)
    other = factories.household(county_admin, dong_e_village)
    waiting = submit(staff["assistant"], other)  # not accepted: no deadline
    set_today(monkeypatch, D(2026, 3, 30))
    cases = [*selectors.overdue_cases(staff["assistant"]), waiting]
    listed = selectors.deadlines(cases, D(2026, 3, 30), Calendar())
    assert listed == {case.pk: selectors.deadline(case) for case in cases}
    assert (listed[accepted.pk].due, listed[accepted.pk].working_days_left) == (D(2026, 3, 23), -5)
    assert listed[waiting.pk] is None
