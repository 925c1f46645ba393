"""Pages: who may import, who may read reports, area scope, demo extracts."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from jiuzhu.core.models import AccessLog
from jiuzhu.core.months import long_moment
from jiuzhu.verification import jobs, selectors, services
from jiuzhu.verification.management.commands.demo_extracts import build
from jiuzhu.verification.models import (
    ExtractImport,
    ExtractStatus,
    JobStatus,
    VerificationJob,
)
from tests.conftest import client_for
from tests.verification.conftest import AS_OF, csv_text
from tests.verification.test_matching import family, ident, import_rows, new_id

pytestmark = pytest.mark.django_db


def test_officer_uploads_sees_errors_and_keeps_valid_rows(officer):
    client = client_for(officer)
    text = csv_text(
        "employment",
        [
            {**ident(new_id(), "甲"), "employer": "厂", "monthly_wage": "100"},
            {"id_number": "bad", "name": "乙", "employer": "厂", "monthly_wage": "1"},
        ],
    )
    upload = io.BytesIO(text.encode("gbk"))
    upload.name = "wages.csv"
    response = client.post(
        "/verification/extracts/",
        {"source": "employment", "extract_date": AS_OF.isoformat(), "file": upload},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "文件有 1 行错误、1 行有效，请选择整体退回或仅导入有效行。" in page
    assert "第3行" in page
    assert "身份证号无效（长度、出生日期或校验码错误；Excel中请设为文本格式）" in page
    pending = ExtractImport.objects.get()
    assert (pending.status, pending.encoding) == (ExtractStatus.PENDING, "gb18030")
    assert pending.errors == [
        {
            "row": 3,
            "column": "身份证号",
            "message": "身份证号无效（长度、出生日期或校验码错误；Excel中请设为文本格式）",
        }
    ]
    decided = client.post(response["Location"], {"decision": "keep"}, follow=True)
    assert "已处理。" in decided.content.decode()
    extract = ExtractImport.objects.get()
    assert extract.status == ExtractStatus.ACCEPTED
    assert (extract.rows_total, extract.rows_valid, extract.rows_invalid) == (2, 1, 1)
    # Deciding again is refused, with the reason at the top of the page; nothing changes.
    again = client.post(response["Location"], {"decision": "discard"}, follow=True)
    assert "该批次不在待确认状态。" in again.content.decode()
    assert ExtractImport.objects.get().status == ExtractStatus.ACCEPTED


def _upload(client, text, extract_date=AS_OF, name="wages.csv"):
    upload = io.BytesIO(text.encode("utf-8"))
    upload.name = name
    return client.post(
        "/verification/extracts/",
        {"source": "employment", "extract_date": extract_date.isoformat(), "file": upload},
    )


def _staged_files(settings):
    return sorted(p.name for p in (settings.DATA_DIR / "extracts").rglob("*") if p.is_file())


def test_upload_refusals_are_shown_on_the_form_and_nothing_is_written(officer, settings):
    client = client_for(officer)
    text = csv_text(
        "employment", [{**ident(new_id(), "甲"), "employer": "厂", "monthly_wage": "100"}]
    )
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    response = _upload(client, text, extract_date=tomorrow)
    assert response.status_code == 200
    assert response.context["form"].errors == {"extract_date": ["数据截止日期不能晚于今天。"]}
    assert "数据截止日期不能晚于今天。" in response.content.decode()
    assert not ExtractImport.objects.exists()
    assert _staged_files(settings) == []
    # A header of another source: refused before a row is kept.
    wrong = csv_text("vehicles", [{**ident(new_id(), "乙"), "plate": "鲁A1"}])
    response = _upload(client, wrong)
    assert response.status_code == 200
    [message] = response.context["form"].non_field_errors()
    assert message.startswith(
        "该文件的表头与「人力资源和社会保障局 · 就业与工资」不符，"
        "看起来是「公安局交通管理部门 · 机动车登记」的数据，请核对数据来源。"
    )
    assert not ExtractImport.objects.exists()
    assert _staged_files(settings) == []
    # The same file twice: the second is refused and names the first batch.
    assert _upload(client, text).status_code == 302
    first = ExtractImport.objects.get()
    response = _upload(client, text)
    assert response.status_code == 200
    [message] = response.context["form"].non_field_errors()
    assert message == f"该文件已于{long_moment(first.imported_at)}导入，未重复导入。"
    assert ExtractImport.objects.count() == 1


def test_who_may_not_import_or_run_writes_nothing(dong_e_assistant, officer, county_admin):
    text = csv_text(
        "employment", [{**ident(new_id(), "甲"), "employer": "厂", "monthly_wage": "100"}]
    )
    assert _upload(client_for(dong_e_assistant), text).status_code == 404
    assert not ExtractImport.objects.exists()
    household = family(county_admin, ("某", new_id()))
    response = client_for(officer).post(
        "/verification/jobs/", {"household": household.number, "engine": "duckdb"}
    )
    assert response.status_code == 404
    assert not VerificationJob.objects.exists()


def test_job_refusals_are_shown_on_the_form(county_admin):
    unauthorised = family(county_admin, ("未授权", new_id()), authorise=False)
    client = client_for(county_admin)
    response = client.post(
        "/verification/jobs/", {"household": unauthorised.number, "engine": "duckdb"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "该家庭尚未签署家庭经济状况核对授权书，不能核对。"
    ]
    response = client.post("/verification/jobs/", {"household": "987654", "engine": "duckdb"})
    assert response.context["form"].errors == {
        "household": ["本辖区没有该户号的家庭，请核对户号。"]
    }
    assert not VerificationJob.objects.exists()


def test_town_assistant_cannot_import_and_officer_cannot_read_reports(dong_e_assistant, officer):
    assert client_for(dong_e_assistant).get("/verification/extracts/").status_code == 404
    assert client_for(officer).get("/verification/jobs/").status_code == 404


def test_job_page_report_export_and_scope(
    county_admin, officer, tmp_path, dong_e_village, meigui_village, dong_e_assistant
):
    mine = new_id()
    h = family(county_admin, ("东阿人", mine), village=dong_e_village)
    other = family(county_admin, ("玫瑰人", new_id()), village=meigui_village)
    import_rows(
        officer,
        tmp_path,
        "vehicles",
        [{**ident(mine, "东阿人"), "plate": "鲁A1", "vehicle_type": "汽车"}],
    )
    job = jobs.run_job(services.create_job(county_admin, as_of=AS_OF).pk)
    client = client_for(dong_e_assistant)
    page = client.get(f"/verification/jobs/{job.pk}/").content.decode()
    assert h.number in page and "超出标准" in page
    report = client.get(f"/verification/jobs/{job.pk}/households/{h.pk}/")
    assert report.status_code == 200
    text = report.content.decode()
    assert "鲁A1" in text and "拥有机动车辆" in text and "有未申报的车辆" in text
    # The conclusion names the data it rests on; a job that compared nothing says so.
    [basis] = selectors.basis_of(job)
    assert basis.endswith("（截至2024年6月30日）") and f"依据：{basis}" in text
    VerificationJob.objects.filter(pk=job.pk).update(extract_ids=[])
    text = client.get(f"/verification/jobs/{job.pk}/households/{h.pk}/").content.decode()
    assert "无部门数据，未核对" in text and "超出标准" not in text
    # A town assistant handles the cases, so sees the member's whole ID number (the mask's
    # "full" level); another town's member is not on the page at all.
    assert dong_e_assistant.id_visibility == "full"
    assert mine in text and "玫瑰人" not in text
    assert AccessLog.objects.filter(
        user=dong_e_assistant, object_type="VerificationReport", household_id=h.pk
    ).exists()
    assert AccessLog.objects.filter(user=dong_e_assistant, object_type="VerificationJob").exists()
    # Another town's household does not exist for this assistant.
    assert client.get(f"/verification/jobs/{job.pk}/households/{other.pk}/").status_code == 404
    book = load_workbook(io.BytesIO(client.get(f"/verification/jobs/{job.pk}/export.xlsx").content))
    numbers = [row[1] for row in book["有发现的家庭"].iter_rows(min_row=2, values_only=True)]
    assert numbers == [h.number]


def test_web_enqueues_without_running_in_the_request(county_admin, department_data):
    household = family(county_admin, ("某", new_id()))
    response = client_for(county_admin).post(
        "/verification/jobs/", {"household": household.number, "engine": "duckdb"}
    )
    assert response.status_code == 302
    job = VerificationJob.objects.get()
    assert job.status == JobStatus.QUEUED
    assert (job.household_id, job.engine, job.created_by) == (household.pk, "duckdb", county_admin)
    progress = client_for(county_admin).get(f"/verification/jobs/{job.pk}/progress/")
    assert "every 2s" in progress.content.decode()


def test_demo_extracts_plant_the_five_discrepancies(county_admin, tmp_path):
    for i in range(6):
        family(county_admin, (f"演示{i}", new_id()))
    rows = build(seed=3)
    assert len(rows["vehicles"]) == 1 and len(rows["real_estate"]) == 2
    assert len(rows["business"]) == len(rows["deaths"]) == len(rows["public_payroll"]) == 1


def test_web_refuses_a_job_without_any_department_data(county_admin):
    household = family(county_admin, ("某", new_id()))
    response = client_for(county_admin).post(
        "/verification/jobs/", {"household": household.number, "engine": "duckdb"}
    )
    assert response.status_code == 200
    assert services.NO_DEPARTMENT_DATA in response.content.decode()
    assert not VerificationJob.objects.exists()
