import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jiuzhu.core.roles import Role
from jiuzhu.registry.models import Relation
from tests import factories
from tests.verification.conftest import _no_spawn, officer  # noqa: F401  (fixtures)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"\x00" * 64


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="image/png")


@pytest.fixture
def people(dong_e, meigui, dong_e_village, meigui_village):
    """Field and town staff of 东阿镇 and 玫瑰镇: who reports, who triages, who visits."""
    other_village = factories.village(dong_e, 202, "西山村")
    return {
        **factories.staff_of(dong_e, meigui, dong_e_village, "or_"),
        "volunteer": factories.user(Role.VOLUNTEER, dong_e_village, username="or_volunteer"),
        "grid": factories.user(Role.GRID_WORKER, dong_e_village, username="or_grid"),
        "other_coordinator": factories.user(
            Role.VILLAGE_COORDINATOR, other_village, username="or_other_coordinator"
        ),
        "officer": factories.user(Role.DEPARTMENT_OFFICER, factories.county(), username="or_off"),
        "other_village": other_village,
    }


@pytest.fixture
def household(people, dong_e_village):
    """An old man living alone in 东阿村."""
    return factories.household(
        people["admin"],
        dong_e_village,
        members=[
            factories.born(Relation.HEAD, "孙老汉", dong_e_village, dt.date(1941, 2, 3)),
        ],
    )


@pytest.fixture
def friday_morning(monkeypatch):
    """Friday 5 June 2026, 10:00 in the county: three working days later is Wednesday 10."""
    moment = dt.datetime(2026, 6, 5, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment
