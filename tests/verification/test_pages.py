"""Pages: who may import, who may read reports, area scope, demo extracts."""

import io

import pytest
from openpyxl import load_workbook

from jiuzhu.core.models import AccessLog
from jiuzhu.core.roles import Role
from jiuzhu.verification import jobs, services
from jiuzhu.verification.management.commands.demo_extracts import build
from jiuzhu.verification.models import ExtractImport, ExtractStatus, VerificationJob
from tests import factories
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
    page = client.get(response["Location"])
    assert "第3行" in page.content.decode()
    client.post(response["Location"], {"decision": "keep"})
    extract = ExtractImport.objects.get()
    assert extract.status == ExtractStatus.ACCEPTED and extract.rows_valid == 1


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
    assert report.status_code == 200 and "鲁A1" in report.content.decode()
    assert AccessLog.objects.filter(
        user=dong_e_assistant, object_type="VerificationReport", household_id=h.pk
    ).exists()
    assert AccessLog.objects.filter(user=dong_e_assistant, object_type="VerificationJob").exists()
    # Another town's household does not exist for this assistant.
    assert client.get(f"/verification/jobs/{job.pk}/households/{other.pk}/").status_code == 404
    book = load_workbook(io.BytesIO(client.get(f"/verification/jobs/{job.pk}/export.xlsx").content))
    numbers = [row[1] for row in book["有发现的家庭"].iter_rows(min_row=2, values_only=True)]
    assert numbers == [h.number]


def test_web_enqueues_without_running_in_the_request(county_admin):
    household = family(county_admin, ("某", new_id()))
    response = client_for(county_admin).post(
        "/verification/jobs/", {"household": household.pk, "engine": "duckdb"}
    )
    assert response.status_code == 302
    job = VerificationJob.objects.get()
    assert job.status == "queued"
    progress = client_for(county_admin).get(f"/verification/jobs/{job.pk}/progress/")
    assert "every 2s" in progress.content.decode()


def test_demo_extracts_plant_the_five_discrepancies(county_admin, tmp_path):
    for i in range(6):
        family(county_admin, (f"演示{i}", new_id()))
    rows = build(seed=3)
    assert len(rows["vehicles"]) == 1 and len(rows["real_estate"]) == 2
    assert len(rows["business"]) == len(rows["deaths"]) == len(rows["public_payroll"]) == 1
    assert factories and Role
