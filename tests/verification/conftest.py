import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from jiuzhu.core.roles import Role
from jiuzhu.policy.accessors import AssetLimits
from jiuzhu.verification import services
from jiuzhu.verification.sources import SOURCES
from tests import factories

AS_OF = dt.date(2024, 6, 30)


@pytest.fixture(autouse=True)
def _no_spawn(settings):
    # Tests run the worker in-process; a detached process would not see the test database.
    settings.JIUZHU_VERIFICATION_SPAWN = False


@pytest.fixture
def officer(db):
    return factories.user(Role.DEPARTMENT_OFFICER, factories.county(), department="人社局")


def csv_text(source_code: str, rows: list[dict], labels: bool = False) -> str:
    source = SOURCES[source_code]
    columns = [c for c in source.all_columns]
    header = [c.label if labels else c.name for c in columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([str(row.get(c.name, "")) for c in columns])
    return out.getvalue()


def write_file(tmp_path: Path, text: str, name: str = "extract.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def import_rows(officer, tmp_path, source_code, rows, extract_date=AS_OF, **kwargs):
    path = write_file(tmp_path, csv_text(source_code, rows), f"{source_code}-{extract_date}.csv")
    return services.import_extract(officer, source_code, extract_date, path, path.name, **kwargs)


def limits(area_type="rural"):
    return AssetLimits.on(AS_OF, area_type)


@pytest.fixture
def department_data(officer, tmp_path):
    """One accepted extract about nobody in the registry: jobs need some department's data."""
    stranger = {"id_number": factories.id_number(), "name": "外县人"}
    return import_rows(
        officer, tmp_path, "employment", [{**stranger, "employer": "外县厂", "monthly_wage": "1"}]
    )
