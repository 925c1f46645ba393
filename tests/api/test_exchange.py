"""The exchange with the provincial platform: the monthly export (files, manifest,
checksums, permissions), the import of the provincial list and its cross-county page."""

import csv
import datetime as dt
import hashlib
import io
import json
import stat

import pytest
from django.core.management import CommandError, call_command

from jiuzhu.api.exchange import exchange_dir
from jiuzhu.api.models import CrossCountyMatch, ProvincialList
from jiuzhu.cases.models import Recipient
from jiuzhu.core.models import AuditEntry
from jiuzhu.core.roles import Role
from jiuzhu.payments import services as pay
from jiuzhu.payments.models import line_ref
from jiuzhu.registry.models import RegisteredElsewhere
from tests import factories
from tests.api.sharing_data import build, officer
from tests.conftest import client_for as staff_client
from tests.payments.conftest import give_account

pytestmark = pytest.mark.django_db
JUNE = dt.date(2026, 6, 1)


@pytest.fixture
def world(dong_e_village, rose_village):
    return build(dong_e_village, rose_village)


@pytest.fixture
def june_payroll(world, dong_e, rose):
    staff = factories.staff_of(dong_e, rose, world.wang.registered_region, "xchg_")
    give_account(staff["assistant"], world.wang)
    payroll = pay.prepare_payroll(staff["assistant"], JUNE, dong_e)
    pay.check_payroll(staff["approver"], payroll)
    return pay.approve_payroll(staff["approver"], payroll)


def read_csv(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_export_of_a_month_with_manifest_and_checksums(world, june_payroll):
    call_command("export_exchange", "--month", "2026-06", "--user", world.admin.username)
    target = exchange_dir() / "370124-2026-06"
    assert sorted(p.name for p in target.iterdir()) == [
        "manifest.json",
        "payments.csv",
        "recipients.csv",
    ]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in target.iterdir())
    head = factories.head_of(world.wang)
    child = world.wang_child_id
    li = factories.head_of(world.li)
    w, li_r = world.wang_recipient.pk, world.li_recipient.pk
    assert read_csv(target / "recipients.csv") == [
        [
            "recipient_id",
            "programme",
            "status",
            "region_code",
            "id_number",
            "name",
            "members_covered",
            "monthly_amount",
            "start_month",
            "end_month",
        ],
        [
            str(w),
            "dibao",
            "active",
            "370124102201",
            head.id_number,
            "王建国",
            "2",
            "650.00",
            "2026-02",
            "",
        ],
        [str(w), "dibao", "active", "370124102201", child, "王小明", "2", "650.00", "2026-02", ""],
        [
            str(li_r),
            "dibao",
            "active",
            "370124102201",
            li.id_number,
            "李四",
            "2",
            "300.00",
            "2026-01",
            "2026-07",
        ],
    ]
    payments = read_csv(target / "payments.csv")
    assert payments[0] == [
        "line_ref",
        "month",
        "for_month",
        "programme",
        "region_code",
        "recipient_id",
        "id_number",
        "name",
        "amount",
        "result",
    ]
    assert sorted(row[1:] for row in payments[1:]) == [
        [
            "2026-06",
            "2026-06",
            "dibao",
            "370124102201",
            str(w),
            head.id_number,
            "王建国",
            "650.00",
            "pending",
        ],
        [
            "2026-06",
            "2026-06",
            "dibao",
            "370124102201",
            str(li_r),
            li.id_number,
            "李四",
            "300.00",
            "failed",
        ],
    ]
    assert sorted(row[0] for row in payments[1:]) == [
        line_ref(june_payroll.pk, 1),
        line_ref(june_payroll.pk, 2),
    ]
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    files = {f["name"]: f for f in manifest.pop("files")}
    assert manifest["schema_version"] == 1 and manifest["county_code"] == "370124"
    assert manifest["month"] == "2026-06"
    for name, rows in (("recipients.csv", 3), ("payments.csv", 2)):
        raw = (target / name).read_bytes()
        assert files[name]["rows"] == rows
        assert files[name]["sha256"] == hashlib.sha256(raw).hexdigest()
    assert AuditEntry.objects.filter(action="export_exchange").count() == 1


def test_export_refuses_bad_input_and_other_staff_writing_nothing(world, dong_e):
    with pytest.raises(CommandError, match=r"^月份格式应为 YYYY-MM，例如 2026-12。$"):
        call_command("export_exchange", "--month", "2026-13", "--user", world.admin.username)
    town = factories.user(Role.TOWN_ASSISTANT, dong_e)
    with pytest.raises(CommandError, match=r"^交换文件按全县导出，须由县级工作人员导出。$"):
        call_command("export_exchange", "--month", "2026-06", "--user", town.username)
    partner = officer(factories.county())
    with pytest.raises(CommandError, match=r"^无权查看发放名册与资金执行。$"):
        call_command("export_exchange", "--month", "2026-06", "--user", partner.username)
    assert not exchange_dir().exists() or not list(exchange_dir().iterdir())
    call_command("export_exchange", "--month", "2026-06", "--user", world.admin.username)
    before = (exchange_dir() / "370124-2026-06" / "manifest.json").read_bytes()
    with pytest.raises(CommandError, match="已存在：交换文件一经导出不再覆盖"):
        call_command("export_exchange", "--month", "2026-06", "--user", world.admin.username)
    assert (exchange_dir() / "370124-2026-06" / "manifest.json").read_bytes() == before
    assert [p.name for p in exchange_dir().iterdir()] == ["370124-2026-06"]


# --- the provincial list ---------------------------------------------------------------------


def provincial_file(tmp_path, rows, name="province.csv"):
    path = tmp_path / name
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id_number", "name", "county_code", "programme", "month"])
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8-sig"))
    return path


def test_provincial_list_finds_persons_receiving_in_two_counties(world, tmp_path, rose):
    head = factories.head_of(world.wang)
    zhao = factories.head_of(world.zhao)
    path = provincial_file(
        tmp_path,
        [
            [head.id_number, "王建国", "370102", "dibao", "2026-06"],  # here too: a match
            [zhao.id_number, "赵玫", "370102", "dibao", "2026-06"],  # not yet a recipient here
            [head.id_number, "王建国", "370124", "dibao", "2026-06"],  # this county's own row
            [factories.id_number(), "外县人", "370103", "tekun", "2026-06"],  # unknown here
        ],
    )
    out = io.StringIO()
    call_command("import_provincial_list", str(path), "--user", world.admin.username, stdout=out)
    assert out.getvalue() == "名单 4 人，其中外县 3 人；在本县同时享受救助的 1 人次。\n"
    listing = ProvincialList.objects.get()
    assert (listing.rows, listing.rows_elsewhere, listing.matches) == (4, 3, 1)
    [match] = CrossCountyMatch.objects.all()
    assert (
        match.person,
        match.household,
        match.region_code,
        match.programme,
        match.month,
        match.other_county_code,
        match.other_programme,
    ) == (head, world.wang, "370124102201", "dibao", JUNE, "370102", "dibao")
    assert AuditEntry.objects.filter(action="import_provincial_list").count() == 1
    # The registry flags the person as registered in another county (the duplicate pages).
    flags = RegisteredElsewhere.objects.values_list("person_id", "county_code", "month")
    assert list(flags) == [(head.pk, "370102", JUNE)]

    page = staff_client(world.admin)
    html = page.get("/exchange/cross-county/").content.decode()
    assert "王建国" in html and head.id_number in html and "370102" in html
    assert "东阿镇东阿村" in html and "赵玫" not in html
    # Another town's staff see none of it; a department officer not the page at all.
    rose_staff = staff_client(factories.user(Role.TOWN_ASSISTANT, rose))
    other = rose_staff.get("/exchange/cross-county/").content.decode()
    assert "王建国" not in other and "您的辖区内没有发现跨县重复享受的人员。" in other
    department = staff_client(officer(factories.county()))
    assert department.get("/exchange/cross-county/").status_code == 404


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["370124197005170010", "甲", "370102", "dibao", "2026-06"]], "第2行：身份证号无效"),
        (
            [[factories.id_number(), "乙", "3701", "dibao", "2026-06"]],
            "第2行：县级区划代码应为6位数字",
        ),
        ([[factories.id_number(), "丙", "370102", "xyz", "2026-06"]], "第2行：救助项目“xyz”不是"),
        ([[factories.id_number(), "丁", "370102", "dibao", "2026/06"]], "第2行：月份格式应为"),
        ([[factories.id_number(), "戊", "370102"]], "第2行：应有5列，实有3列"),
    ],
)
def test_provincial_list_with_an_error_imports_nothing(world, tmp_path, rows, message):
    good = [factories.head_of(world.wang).id_number, "王建国", "370102", "dibao", "2026-06"]
    path = provincial_file(tmp_path, [*rows, good])
    with pytest.raises(CommandError, match=f"^{message}.*未导入任何内容。$"):
        call_command("import_provincial_list", str(path), "--user", world.admin.username)
    assert not ProvincialList.objects.exists() and not CrossCountyMatch.objects.exists()


def test_provincial_list_header_twice_and_who_may_import(world, tmp_path, dong_e):
    bad = tmp_path / "bad.csv"
    bad.write_text("身份证号,姓名\n", encoding="utf-8")
    with pytest.raises(
        CommandError, match=r"^表头应为：id_number,name,county_code,programme,month。$"
    ):
        call_command("import_provincial_list", str(bad), "--user", world.admin.username)
    path = provincial_file(tmp_path, [[factories.id_number(), "甲", "370102", "dibao", "2026-06"]])
    town = factories.user(Role.TOWN_ASSISTANT, dong_e)
    with pytest.raises(CommandError, match=r"^省级名单由县级工作人员导入。$"):
        call_command("import_provincial_list", str(path), "--user", town.username)
    call_command("import_provincial_list", str(path), "--user", world.admin.username)
    with pytest.raises(CommandError, match=r"^该文件已经导入过。$"):
        call_command("import_provincial_list", str(path), "--user", world.admin.username)
    assert ProvincialList.objects.count() == 1


def test_receiving_means_in_the_programme_that_month_and_not_suspended(world, tmp_path):
    li = factories.head_of(world.li)  # ended from July: receiving in June, not in August
    wang = factories.head_of(world.wang)
    Recipient.objects.filter(pk=world.wang_recipient.pk).update(status="suspended")
    path = provincial_file(
        tmp_path,
        [
            [li.id_number, "李四", "370102", "dibao", "2026-06"],
            [li.id_number, "李四", "370102", "dibao", "2026-08"],
            [wang.id_number, "王建国", "370102", "dibao", "2026-06"],
        ],
    )
    call_command("import_provincial_list", str(path), "--user", world.admin.username)
    assert list(CrossCountyMatch.objects.values_list("person_id", "month")) == [(li.pk, JUNE)]
