"""Partner scopes and the shared feeds (/api/sharing/…): exact rows per scope, area, cursor
and incremental sync, bad input, who may not, and the access log."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date
from rest_framework.test import APIClient

from jiuzhu.api.views.sharing import BAD_CURSOR
from jiuzhu.cases.models import CaseEvent, Recipient
from jiuzhu.cases.services import recipients as recipient_services
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AccessLog, ApiToken, AuditEntry
from jiuzhu.core.roles import Role
from jiuzhu.core.tokens import PARTNER_ONLY, issue_partner_token, token_digest
from jiuzhu.payments import services as pay
from jiuzhu.payments.models import line_ref
from jiuzhu.verification.models import JobScope, JobStatus, VerificationJob, VerificationReport
from tests import factories
from tests.api.sharing_data import (
    CHILD_BIRTH,
    MOMENTS,
    build,
    officer,
    partner_client,
)
from tests.payments.conftest import give_account

pytestmark = pytest.mark.django_db
RECIPIENTS = "/api/sharing/recipients/"


@pytest.fixture
def world(dong_e_village, rose_village):
    return build(dong_e_village, rose_village)


@pytest.fixture
def county_officer():
    return officer(factories.county())


def logged(object_type):
    return sorted(
        AccessLog.objects.filter(object_type=object_type).values_list("object_id", "household_id")
    )


# --- tokens ------------------------------------------------------------------------------


def test_partner_scopes_are_granted_by_the_county_administrator_only(world, county_officer):
    token, _ = issue_partner_token(
        world.admin, county_officer, ["sharing.children", "sharing.recipients"]
    )
    assert token.user == county_officer
    assert token.scopes == ["sharing.recipients", "sharing.children"]
    entry = AuditEntry.objects.get(action="issue_partner_token")
    assert entry.actor == world.admin and entry.changes == {
        "owner": county_officer.username,
        "scopes": ["sharing.recipients", "sharing.children"],
    }
    assert token.scope_labels == (
        "共享：救助对象类别（医保参保资助）、共享：救助家庭在学年龄儿童（教育资助）"
    )


def test_partner_scopes_refused_otherwise_and_nothing_written(world, county_officer, dong_e):
    before = (ApiToken.objects.count(), AuditEntry.objects.count())
    # The officer asks for a partner scope himself.
    response = APIClient().post(
        "/api/auth/token/",
        {
            "username": county_officer.username,
            "password": factories.PASSWORD,
            "scopes": ["sharing.recipients"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": PARTNER_ONLY, "field": "scopes"}
    # A town assistant may not grant; an assistant may not receive; only partner scopes.
    assistant = factories.user(Role.TOWN_ASSISTANT, dong_e)
    with pytest.raises(PermissionError, match=r"^无权管理接口令牌、查看安全事件。$"):
        issue_partner_token(assistant, county_officer, ["sharing.cases"])
    with pytest.raises(DomainError, match=r"^共享数据的令牌只发给在职的部门数据专员。$"):
        issue_partner_token(world.admin, assistant, ["sharing.cases"])
    for scopes in ([], ["registry.read"], ["sharing.cases", "sharing.nothing"]):
        with pytest.raises(DomainError, match=r"^请从以下共享权限范围中选择：共享：救助对象类别"):
            issue_partner_token(world.admin, county_officer, scopes)
    town_admin = factories.user(Role.COUNTY_ADMIN, dong_e)
    with pytest.raises(DomainError, match=r"^未找到该工作人员。$"):
        issue_partner_token(town_admin, county_officer, ["sharing.cases"])
    assert (ApiToken.objects.count(), AuditEntry.objects.count()) == before


# --- recipients and children -------------------------------------------------------------


def test_recipients_of_a_month_with_the_persons_covered(world, county_officer):
    api = partner_client(world.admin, county_officer, "sharing.recipients")
    response = api.get(RECIPIENTS, {"month": "2026-12"})
    assert response.status_code == 200, response.json()
    body = response.json()
    wang, zhao = world.wang_recipient, world.zhao_recipient
    head = factories.head_of(world.wang)
    assert body == {
        "results": [
            {
                "id": wang.pk,
                "changed_at": "2026-11-03T17:00:00+08:00",
                "programme": "dibao",
                "programme_label": "最低生活保障",
                "region_code": "370124102201",
                "status": "active",
                "status_label": "正常享受",
                "start_month": "2026-02",
                "end_month": None,
                "persons": [
                    {"id_number": head.id_number, "name": "王建国"},
                    {"id_number": world.wang_child_id, "name": "王小明"},
                ],
            },
            {
                "id": zhao.pk,
                "changed_at": "2026-11-03T17:00:01+08:00",
                "programme": "tekun",
                "programme_label": "特困人员救助供养",
                "region_code": "370124106201",
                "status": "active",
                "status_label": "正常享受",
                "start_month": "2026-07",
                "end_month": None,
                "persons": [{"id_number": factories.head_of(world.zhao).id_number, "name": "赵玫"}],
            },
        ],
        "next_cursor": None,
        "last_modified": "2026-11-03T17:00:01+08:00",
    }
    assert response["Last-Modified"] == "Tue, 03 Nov 2026 09:00:01 GMT"
    assert logged("shared_recipient") == sorted(
        [(wang.pk, world.wang.pk), (zhao.pk, world.zhao.pk)]
    )
    # One programme; and June, when 李四 was still a recipient.
    tekun = api.get(RECIPIENTS, {"month": "2026-12", "programme": "tekun"}).json()
    assert [row["id"] for row in tekun["results"]] == [zhao.pk]
    june = api.get(RECIPIENTS, {"month": "2026-06"}).json()
    assert [row["id"] for row in june["results"]] == [wang.pk, world.li_recipient.pk]
    assert june["results"][1]["end_month"] == "2026-07"


def test_a_town_officer_reads_only_the_town(world, dong_e):
    api = partner_client(world.admin, officer(dong_e), "sharing.recipients")
    body = api.get(RECIPIENTS, {"month": "2026-12"}).json()
    assert [row["id"] for row in body["results"]] == [world.wang_recipient.pk]


def test_children_of_recipient_households_for_education(world, county_officer):
    api = partner_client(world.admin, county_officer, "sharing.children")
    body = api.get("/api/sharing/children/", {"month": "2026-12"}).json()
    assert body["results"] == [
        {
            "id": world.wang_recipient.pk,
            "changed_at": "2026-11-03T17:00:00+08:00",
            "programme": "dibao",
            "programme_label": "最低生活保障",
            "region_code": "370124102201",
            "children": [
                {"id_number": world.wang_child_id, "name": "王小明", "birth_date": "2015-03-01"}
            ],
        }
    ]
    assert logged("shared_children") == [(world.wang_recipient.pk, world.wang.pk)]
    # Eighteen on the 1st of the month: no longer a child.
    adult = CHILD_BIRTH.replace(year=CHILD_BIRTH.year + 18)
    later = api.get("/api/sharing/children/", {"month": f"{adult:%Y-%m}"}).json()
    assert later["results"] == []


def test_without_the_scope_nothing_is_read(world, county_officer, client_for):
    education = partner_client(world.admin, county_officer, "sharing.children")
    response = education.get(RECIPIENTS, {"month": "2026-12"})
    assert response.status_code == 403
    assert response.json() == {
        "detail": "令牌的权限范围不含“共享：救助对象类别（医保参保资助）”，不能执行此操作。"
    }
    # Staff tokens and sessions read nothing here either.
    assert client_for(world.admin).get(RECIPIENTS, {"month": "2026-12"}).status_code == 403
    session = APIClient()
    session.force_login(world.admin)
    factories.pass_second_step(session, world.admin)  # a whole staff sign-in, still no token
    assert session.get(RECIPIENTS, {"month": "2026-12"}).status_code == 401
    assert not AccessLog.objects.exists()


# --- paging and sync -----------------------------------------------------------------------


def test_cursor_pages_and_incremental_sync(world, county_officer):
    api = partner_client(world.admin, county_officer, "sharing.recipients")
    first = api.get(RECIPIENTS, {"month": "2026-06", "limit": 1}).json()
    assert [row["id"] for row in first["results"]] == [world.wang_recipient.pk]
    second = api.get(
        RECIPIENTS, {"month": "2026-06", "limit": 1, "cursor": first["next_cursor"]}
    ).json()
    assert [row["id"] for row in second["results"]] == [world.li_recipient.pk]
    assert second["next_cursor"] is None
    # Nothing changed since the last sync: no rows, and 304 on the HTTP date.
    since = first["last_modified"]
    assert api.get(RECIPIENTS, {"month": "2026-06", "since": since}).json()["results"] == []
    not_modified = api.get(
        RECIPIENTS,
        {"month": "2026-06"},
        HTTP_IF_MODIFIED_SINCE=http_date(MOMENTS[2].timestamp()),
    )
    assert not_modified.status_code == 304 and not_modified.content == b""
    # The service that changes a recipient stamps it: the next sync returns it alone.
    Recipient.objects.filter(pk=world.wang_recipient.pk).update(updated_at=MOMENTS[5])
    changed = api.get(RECIPIENTS, {"month": "2026-06", "since": since}).json()
    assert [row["id"] for row in changed["results"]] == [world.wang_recipient.pk]
    assert changed["last_modified"] == "2026-11-03T17:00:05+08:00"
    modified = api.get(
        RECIPIENTS,
        {"month": "2026-06"},
        HTTP_IF_MODIFIED_SINCE=http_date(MOMENTS[2].timestamp()),
    )
    assert modified.status_code == 200


def test_rows_changed_at_the_same_moment_are_paged_by_id(world, county_officer):
    # A bulk load stamps many rows alike: the cursor's id keeps each on exactly one page.
    Recipient.objects.update(updated_at=MOMENTS[7])
    api = partner_client(world.admin, county_officer, "sharing.recipients")
    first = api.get(RECIPIENTS, {"month": "2026-06", "limit": 1}).json()
    query = {"month": "2026-06", "limit": 1, "cursor": first["next_cursor"]}
    second = api.get(RECIPIENTS, query).json()
    assert [row["id"] for row in first["results"] + second["results"]] == [
        world.wang_recipient.pk,
        world.li_recipient.pk,
    ]
    assert second["next_cursor"] is None


def test_a_suspension_stamps_the_recipient(world):
    before = Recipient.objects.get(pk=world.wang_recipient.pk).updated_at
    assert before == MOMENTS[0]
    case = world.wang_recipient.case
    reviewer = factories.user(Role.TOWN_APPROVER, world.wang.registered_region.parent)
    recipient_services.suspend(reviewer, case, case.version, "联系不上")
    assert Recipient.objects.get(pk=world.wang_recipient.pk).updated_at > before


@pytest.mark.parametrize(
    ("query", "field", "detail"),
    [
        ({}, "month", "请给出月份，格式 YYYY-MM，例如 2026-12。"),
        ({"month": "2026-13"}, "month", "请给出月份，格式 YYYY-MM，例如 2026-12。"),
        ({"month": "2026-12", "programme": "xyz"}, "programme", "“xyz” 不是有效的救助项目。"),
        ({"month": "2026-12", "programme": ""}, "programme", "“” 不是有效的救助项目。"),
        ({"month": "2026-12", "cursor": "bm9wZQ"}, "cursor", BAD_CURSOR),
        ({"month": "2026-12", "since": "yesterday"}, "since", "应为带时区的时间"),
        ({"month": "2026-12", "limit": "0"}, "limit", "应为1-500的整数。"),
        ({"month": "2026-12", "programm": "dibao"}, "programm", "未知的查询参数。"),
    ],
)
def test_bad_queries_get_a_chinese_400_and_nothing_is_logged(
    world, county_officer, query, field, detail
):
    api = partner_client(world.admin, county_officer, "sharing.recipients")
    response = api.get(RECIPIENTS, query)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == field and body["detail"].startswith(f"提交的数据有误：{detail}")
    assert not AccessLog.objects.exists()


# --- cases, payments, verification ---------------------------------------------------------


def test_cases_with_their_steps_without_the_applicant(world, county_officer, dong_e):
    case = world.wang_recipient.case
    CaseEvent.objects.create(case=case, action="submit", to_status="submitted")
    CaseEvent.objects.create(case=case, action="upload")
    api = partner_client(world.admin, officer(dong_e), "sharing.cases")
    body = api.get("/api/sharing/cases/").json()
    assert [row["number"] for row in body["results"]] == [
        world.wang_recipient.case.number,
        world.li_recipient.case.number,
    ]
    row = body["results"][0]
    assert {k: row[k] for k in ("programme", "status_label", "responsible_code")} == {
        "programme": "dibao",
        "status_label": "已生效",
        "responsible_code": "370124102201",
    }
    assert row["monthly_amount"] == "650.00" and row["decided_at"] is None
    assert [(s["action_label"], s["to_status_label"]) for s in row["steps"]] == [
        ("提交申请", "已提交待受理"),
        ("上传材料", ""),
    ]
    assert "applicant" not in row and "household" not in row
    assert logged("shared_case") == sorted(
        [(world.wang_recipient.case.pk, world.wang.pk), (world.li_recipient.case.pk, world.li.pk)]
    )


def test_payments_of_locked_payrolls_with_results(world, county_officer, dong_e, rose):
    staff = factories.staff_of(dong_e, rose, world.wang.registered_region, "share_")
    give_account(staff["assistant"], world.wang)
    payroll = pay.prepare_payroll(staff["assistant"], dt.date(2026, 6, 1), dong_e)
    api = partner_client(world.admin, county_officer, "sharing.payments")
    assert api.get("/api/sharing/payments/", {"month": "2026-06"}).json()["results"] == []
    pay.check_payroll(staff["approver"], payroll)
    pay.approve_payroll(staff["approver"], payroll)
    rows = api.get("/api/sharing/payments/", {"month": "2026-06"}).json()["results"]
    assert sorted(
        (r["ref"], r["month"], r["for_month"], r["programme"], r["amount"], r["result_label"])
        for r in rows
    ) == [
        (line_ref(payroll.pk, 1), "2026-06", "2026-06", "dibao", "650.00", "待银行回盘"),
        (line_ref(payroll.pk, 2), "2026-06", "2026-06", "dibao", "300.00", "发放失败"),
    ]
    assert sorted(r["result"] for r in rows) == ["failed", "pending"]
    assert all("id_number" not in r and "account_number" not in r for r in rows)
    assert len(logged("shared_payment")) == 2


def test_verification_reports_of_finished_jobs(world, county_officer, dong_e):
    job = VerificationJob.objects.create(
        status=JobStatus.DONE,
        scope=JobScope.ALL,
        as_of=dt.date(2026, 11, 30),
        created_by=world.admin,
    )
    running = VerificationJob.objects.create(
        scope=JobScope.ALL, as_of=dt.date(2026, 11, 30), created_by=world.admin
    )
    for each, household in ((job, world.wang), (job, world.zhao), (running, world.li)):
        VerificationReport.objects.create(
            job=each,
            household=household,
            chunk=0,
            town_code=household.registered_code[:9] + "000",
            area_type="rural",
            members=2,
            conclusion="over_limit",
            reasons=["over_income"],
            income_fen=123456,
            declared_income_fen=50000,
        )
    api = partner_client(world.admin, officer(dong_e), "sharing.verification")
    [row] = api.get("/api/sharing/verification-reports/").json()["results"]
    assert {k: v for k, v in row.items() if k not in ("id", "changed_at")} == {
        "job_id": job.pk,
        "as_of": "2026-11-30",
        "household_number": world.wang.number,
        "town_code": "370124102000",
        "conclusion": "over_limit",
        "conclusion_label": "超出标准",
        "reasons": ["核实收入超过低保标准"],
        "members": 2,
        "income": "1234.56",
        "declared_income": "500.00",
        "financial": "0.00",
        "declared_financial": "0.00",
        "vehicles": 0,
        "houses": 0,
        "businesses": 0,
    }
    assert logged("shared_report") == [(row["id"], world.wang.pk)]


@pytest.mark.parametrize(
    ("path", "scope", "query"),
    [
        (RECIPIENTS, "sharing.recipients", {"month": "2026-06"}),
        ("/api/sharing/children/", "sharing.children", {"month": "2026-06"}),
        ("/api/sharing/cases/", "sharing.cases", {}),
    ],
)
def test_a_page_costs_the_same_queries_whatever_its_size(world, county_officer, path, scope, query):
    api = partner_client(world.admin, county_officer, scope)
    api.get(path, query)  # the token's first use is recorded once
    counts = []
    for limit in (1, 3):
        with CaptureQueriesContext(connection) as queries:
            assert api.get(path, {**query, "limit": limit}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_command_grants_a_partner_token_printed_once(world, county_officer):
    out = io.StringIO()
    call_command(
        "issue_partner_token",
        county_officer.username,
        "sharing.cases",
        "--admin",
        world.admin.username,
        stdout=out,
    )
    labels, clear = out.getvalue().splitlines()
    token = ApiToken.objects.get(user=county_officer)
    assert labels.startswith("共享：救助申请及办理环节，") and token.scopes == ["sharing.cases"]
    assert token_digest(clear) == token.digest
    with pytest.raises(CommandError, match=r"^请从以下共享权限范围中选择："):
        call_command(
            "issue_partner_token",
            county_officer.username,
            "registry.read",
            "--admin",
            world.admin.username,
        )
    assert ApiToken.objects.filter(user=county_officer).count() == 1
