import datetime as dt
import io
import re
import shutil
import subprocess
import threading

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from jiuzhu.cases import public, services
from jiuzhu.cases.models import Case, Status
from jiuzhu.core.money import format_yuan
from jiuzhu.registry.models import Relation
from tests import factories
from tests.cases.conftest import investigate, set_today, submit
from tests.conftest import client_for
from tests.factories import head_of

pytestmark = pytest.mark.django_db


def test_intake_page_finds_a_household_of_another_town_by_id(staff, poor_household):
    client = client_for(staff["other_assistant"])
    head = head_of(poor_household)
    page = client.post("/cases/new/", {"find": "1", "id_number": head.id_number})
    assert page.status_code == 200 and poor_household.number in page.content.decode()
    response = client.post(
        "/cases/new/",
        {
            "submit": "1",
            "intake_id_number": head.id_number,
            "programme": "dibao",
            "applicant": head.pk,
            "reason": "生活困难",
            "channel": "window",
            "commitment_signed": "on",
            "authorisation_signed": "on",
            "document_kind": "household_booklet",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.responsible_town.name == "东阿镇"
    # The ID number never appears in a URL.
    assert head.id_number not in response["Location"]


def test_intake_page_unknown_id_is_told(staff):
    page = client_for(staff["assistant"]).post(
        "/cases/new/", {"find": "1", "id_number": factories.id_number()}
    )
    assert "没有该身份证号的家庭档案" in page.content.decode()


@pytest.mark.parametrize(
    ("typed", "told"),
    [
        ("wrong check digit", "身份证号校验码错误，请核对。"),
        ("37012419700517", "身份证号应为18位。"),
        ("", "请填写申请人身份证号。"),
    ],
)
def test_intake_page_says_what_is_wrong_with_a_mistyped_id(staff, poor_household, typed, told):
    number = factories.head_of(poor_household).id_number
    if typed == "wrong check digit":
        typed = number[:17] + ("0" if number[17] != "0" else "1")
    page = client_for(staff["assistant"]).post("/cases/new/", {"find": "1", "id_number": typed})
    text = page.content.decode()
    assert told in text and "没有该身份证号的家庭档案" not in text
    assert not Case.objects.exists()


def test_acting_through_the_page_and_stale_form(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    client = client_for(staff["assistant"])
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert "受理" in detail and 'name="version"' in detail
    client.post(f"/cases/{case.pk}/act/accept/", {"version": case.version, "comment": ""})
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED
    # A second click on the old form is refused with a message, nothing changes.
    response = client.post(f"/cases/{case.pk}/act/accept/", {"version": 0}, follow=True)
    assert "申请当前为“已受理”，不能执行“受理”。" in response.content.decode()
    assert case.events.count() == 2
    # A role the transition does not name is refused the same way, nothing written.
    other = client_for(staff["supervisor"])
    response = other.post(
        f"/cases/{case.pk}/act/start_investigation/", {"version": 1, "comment": ""}, follow=True
    )
    assert "您的角色不能执行“开始调查”。" in response.content.decode()
    case.refresh_from_db()
    assert (case.status, case.version, case.events.count()) == (Status.ACCEPTED, 1, 2)
    lists = client.get("/cases/").content.decode()
    assert case.number in lists


def _in_notice(staff, household, monkeypatch):
    case = submit(staff["assistant"], household)
    investigate(case, staff["assistant"])
    services.approve(staff["approver"], case, case.version)
    return case


def test_public_notice_shows_only_what_the_rules_allow(staff, poor_household, monkeypatch):
    case = _in_notice(staff, poor_household, monkeypatch)
    head = head_of(poor_household)
    page = Client().get("/notice/", {"town": "370124102000"}).content.decode()
    assert "王*汉" in page and format_yuan(case.monthly_amount, fen=False) in page
    assert "王老汉" not in page and head.id_number not in page
    assert head.phone not in page
    set_today(monkeypatch, case.notice_ends_on + dt.timedelta(days=1))
    services.close_notice(staff["assistant"], case, case.version)
    standing = Client().get("/notice/", {"town": "370124102000"}).content.decode()
    assert "王*汉" in standing and "最低生活保障对象" in standing
    other_town = Client().get("/notice/", {"town": "370124106000"}).content.decode()
    assert "王*汉" not in other_town
    screen = Client().get("/notice/screen/").content.decode()
    assert "王*汉" in screen and "screen.js" in screen


def test_name_masking():
    assert public.mask_name("张三") == "张*"
    assert public.mask_name("王老汉") == "王*汉"
    assert public.mask_name("欧阳小明") == "欧**明"


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (pdftoppm) not installed")
def test_printable_notice_renders_chinese_without_system_fonts(
    staff, poor_household, monkeypatch, tmp_path
):
    _in_notice(staff, poor_household, monkeypatch)
    response = Client().get("/notice/print.pdf", {"town": "370124102000"})
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "notice.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "最低生活保障对象公示" in text and "王*汉" in text
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "yes" in fonts.splitlines()[-1].split()[-4:]  # the font is embedded
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 1000


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency test needs PostgreSQL")
# serialized_rollback: the shipped parameters stay for the decision, whatever ran before.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_staff_deciding_at_once_one_wins(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    investigate(case, staff["assistant"])
    version = case.version
    results: list[str] = []
    barrier = threading.Barrier(2)

    def decide(user):
        close_old_connections()
        mine = Case.objects.get(pk=case.pk)
        barrier.wait()
        try:
            services.approve(user, mine, version, "同意")
            results.append("ok")
        except Exception as error:  # the loser is told the case changed
            results.append(getattr(error, "message", str(error)))
        finally:
            connection.close()  # each thread's own connection, or teardown cannot drop the db

    threads = [threading.Thread(target=decide, args=(staff[k],)) for k in ("approver", "approver2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results)[0] == "ok" and results.count("ok") == 1
    assert any("刷新" in r for r in results)
    assert Case.objects.get(pk=case.pk).events.filter(action="approve").count() == 1


def test_the_home_visit_form_carries_its_checklist_and_records_it(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    services.accept(staff["assistant"], case, case.version)
    services.start_investigation(staff["assistant"], case, case.version)
    client = client_for(staff["assistant"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert page.count('type="checkbox" name="members_confirmed"') == 1
    client.post(
        f"/cases/{case.pk}/act/record_home_visit/",
        {
            "version": case.version,
            "visited_on": timezone.localdate().isoformat(),
            "second_staff": "李协理员",
            "findings": "住房简陋",
            "members_confirmed": "on",
            "housing_checked": "on",
        },
    )
    visit = case.home_visits.get()
    assert visit.checklist == {
        "members_confirmed": True,
        "housing_checked": True,
        "income_sources": False,
        "assets_checked": False,
        "health_checked": False,
        "neighbours_asked": False,
    }
    assert (visit.second_staff, visit.findings, visit.lead_staff) == (
        "李协理员",
        "住房简陋",
        staff["assistant"],
    )


def test_the_history_names_staff_and_statuses_in_chinese(staff, poor_household):
    case = submit(staff["assistant"], poor_household)
    staff["assistant"].first_name = "赵敏"
    staff["assistant"].save(update_fields=["first_name"])
    services.accept(staff["assistant"], case, case.version)

    page = client_for(staff["assistant"]).get(f"/cases/{case.pk}/").content.decode()

    assert '<td data-label="经办人">赵敏</td><td data-label="事项">受理</td>' in page
    assert '<td data-label="状态">已受理</td>' in page
    assert staff["assistant"].username not in page and ">accepted<" not in page


def test_the_case_list_sorts_pages_and_exports_what_it_shows(
    staff, poor_household, dong_e_village, county_admin
):
    """Sorted by a column, and the Excel holds the filter's rows with codes in words."""
    other = factories.household(
        county_admin,
        dong_e_village,
        members=[factories.member(Relation.HEAD, "王老汉", dong_e_village)],
    )
    for household in (poor_household, other):
        submit(staff["assistant"], household)
    client = client_for(staff["assistant"])
    page = client.get("/cases/?status=submitted&sort=0&dir=desc").content.decode()
    numbers = re.findall(r'href="/cases/\d+/">([A-Z0-9]+)</a>', page)
    assert numbers == sorted(numbers, reverse=True) and len(numbers) == 2
    response = client.get("/cases/?status=submitted&sort=0&format=xlsx")
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0].values
    )
    assert rows[1] == ("编号", "项目", "申请人", "负责镇（街道）", "状态", "提交日期", "办结期限")
    assert [r[0] for r in rows[2:4]] == sorted(numbers)
    assert rows[2][1:5] == ("最低生活保障", "王老汉", "东阿镇", "已提交待受理")
    assert rows[-1][0] == "合计（2条）"
