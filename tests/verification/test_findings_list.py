"""A job's households with findings as a staff list: filter by conclusion, sort, export."""

import io

import pytest
from openpyxl import load_workbook

from jiuzhu.verification import jobs, services
from tests.conftest import client_for
from tests.verification.conftest import AS_OF
from tests.verification.test_matching import family, ident, import_rows, new_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(county_admin, officer, tmp_path, dong_e_village):
    """Two 东阿村 households with an undeclared car each: one has two."""
    first, second = new_id(), new_id()
    households = [
        family(county_admin, ("东阿甲", first), village=dong_e_village),
        family(county_admin, ("东阿乙", second), village=dong_e_village),
    ]
    import_rows(
        officer,
        tmp_path,
        "vehicles",
        [
            {**ident(first, "东阿甲"), "plate": "鲁A1", "vehicle_type": "汽车"},
            {**ident(second, "东阿乙"), "plate": "鲁A2", "vehicle_type": "汽车"},
            {**ident(second, "东阿乙"), "plate": "鲁A3", "vehicle_type": "汽车"},
        ],
    )
    return jobs.run_job(services.create_job(county_admin, as_of=AS_OF).pk), households


def test_findings_sort_filter_and_export_with_totals(job, dong_e_assistant):
    made, (first, second) = job
    client = client_for(dong_e_assistant)
    url = f"/verification/jobs/{made.pk}/"
    by_cars = client.get(url, {"sort": 5, "dir": "desc"}).content.decode()
    assert by_cars.index(second.number) < by_cars.index(first.number)
    assert "共 2 条" in by_cars
    none = client.get(url, {"conclusion": "needs_explanation"}).content.decode()
    assert "没有需说明或超出标准的家庭。" in none
    response = client.get(url, {"sort": 5, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    title, header, *rows, totals = sheet.iter_rows(values_only=True)
    assert title[0] == "有发现的家庭" and header[5] == "车辆"
    assert [(row[0], row[1], row[5]) for row in rows] == [
        (first.number, "超出标准", 1),
        (second.number, "超出标准", 2),
    ]
    assert totals[0] == "合计（2条）" and totals[5] == 3


def test_bad_input_is_ignored_and_an_officer_may_not_read(job, dong_e_assistant, officer):
    made, _ = job
    url = f"/verification/jobs/{made.pk}/"
    for params in ({"sort": "x"}, {"conclusion": "consistent"}, {"page": "-3"}):
        page = client_for(dong_e_assistant).get(url, params)
        assert page.status_code == 200 and "共 2 条" in page.content.decode()
    assert client_for(officer).get(url, {"format": "xlsx"}).status_code == 404
