"""The demo county has town offices, working funds with spending, and an imported poverty
list that set the registered-poor and monitored households' flags."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client

from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.demo.funds import seed_working_funds
from jiuzhu.funds.models import WorkingBudget, WorkingSpending
from jiuzhu.publicity.models import Office
from jiuzhu.registry.models import Household, PovertyListing
from jiuzhu.verification.models import ExtractImport
from tests.conftest import client_for
from tests.demo.helpers import run_demo

pytestmark = pytest.mark.django_db


def test_demo_offices_working_funds_and_poverty_list():
    out = run_demo(300, 5)
    towns = Region.objects.filter(level=RegionLevel.TOWN).count()
    assert f"已登记政策宣传页面的经办窗口 {towns + 1} 个。" in out
    assert Office.objects.count() == towns + 1
    assert "0531-87881000" in Client().get("/guide/dibao/").content.decode()
    spent = seed_working_funds(5, dt.date(2026, 6, 30))
    assert spent == WorkingSpending.objects.count() > 0
    assert WorkingBudget.objects.count() == towns * 4
    assert seed_working_funds(5, dt.date(2026, 6, 30)) == spent  # the same seed, the same
    poor = set(Household.objects.filter(registered_poor=True).values_list("pk", flat=True))
    call_command("demo_extracts", "--seed=5", stdout=io.StringIO())
    assert ExtractImport.objects.filter(source="poverty", status="accepted").count() == 1
    listed = PovertyListing.objects.filter(until__isnull=True)
    assert set(listed.filter(kind="registered_poor").values_list("household", flat=True)) == poor
    assert listed.filter(kind="monitored").exists()
    admin = User.objects.get(username="county_admin")
    admin_page = client_for(admin).get("/funds/working/?year=2026")
    assert "查看凭证" in admin_page.content.decode()
