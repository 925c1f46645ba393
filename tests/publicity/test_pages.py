"""The public programme pages: standards in force from the parameters, offices from the
county's list, links to the self-check and the application; the offices page's rules."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from jiuzhu.core.errors import DomainError
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Role
from jiuzhu.policy.accessors import PublicStandards
from jiuzhu.policy.models import Parameter
from jiuzhu.publicity import services
from jiuzhu.publicity.guides import GUIDES
from jiuzhu.publicity.models import Office
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_every_programme_has_a_page_with_standards_offices_and_links(county_admin, dong_e):
    services.save_office(
        county_admin, factories.county(), "县民政局社会救助科", "县城民生路1号", "0531-87881234"
    )
    services.save_office(
        county_admin,
        dong_e,
        "东阿镇便民服务中心",
        "东阿镇政府大院",
        "0531-87451234",
        "工作日 8:30-17:00",
    )
    assert set(GUIDES) == set(Programme.values)
    client = Client()
    assert "最低生活保障" in client.get("/guide/").content.decode()
    for code in Programme.values:
        page = client.get(f"/guide/{code}/").content.decode()
        for text in ("谁可以申请", "能领多少", "要带什么材料", "多长时间办好", "不服怎么办"):
            assert text in page, (code, text)
        assert 'href="/portal/assess/"' in page and 'href="/portal/apply/"' in page
        assert "东阿镇政府大院" in page and 'href="tel:0531-87451234"' in page
        assert "0531-87881234" in page and "12345" in page
    standards = PublicStandards.on(timezone.localdate())
    rural = standards.money("dibao.standard.rural")
    assert rural is not None
    page = client.get("/guide/dibao/").content.decode()
    assert f"农村低保标准：每人每月{rural // 100:,}.{rural % 100:02d}元" in page
    assert client.get("/guide/unknown/").status_code == 404


def test_a_new_standard_changes_the_page_and_the_history(county_admin):
    today = timezone.localdate()
    Parameter.objects.create(
        key="elderly.subsidy", effective_from=today, value="987.65", unit="元/人·月", source="测试"
    )
    Parameter.objects.create(
        key="elderly.subsidy",
        effective_from=today + dt.timedelta(days=40),
        value="999.00",
        unit="元/人·月",
        source="测试",
    )
    client = Client()
    assert "每人每月987.65元" in client.get("/guide/elderly/").content.decode()
    history = client.get("/guide/standards/").content.decode()
    assert "经济困难老年人补贴" in history
    assert "<strong>987.65</strong>" in history and "999.00（待执行）" in history
    assert "elderly" not in history


def test_offices_bad_input_and_who_may_not(county_admin, dong_e, dong_e_village):
    with pytest.raises(DomainError, match=r"^请填写地址。$"):
        services.save_office(county_admin, dong_e, "东阿镇便民服务中心", " ", "0531-1")
    with pytest.raises(DomainError, match=r"^电话只能包含数字和“-”。$"):
        services.save_office(county_admin, dong_e, "东阿镇便民服务中心", "镇政府", "打电话")
    with pytest.raises(DomainError, match=r"^经办窗口按县或乡镇（街道）设置。$"):
        services.save_office(county_admin, dong_e_village, "村", "村委会", "1")
    assistant = factories.user(Role.TOWN_ASSISTANT, dong_e)
    with pytest.raises(PermissionError, match=r"^无权维护行政区划。$"):
        services.save_office(assistant, dong_e, "东阿镇便民服务中心", "镇政府", "0531-1")
    assert client_for(assistant).get("/guide/offices/").status_code == 404
    refused = client_for(county_admin).post(
        "/guide/offices/",
        {"region": dong_e.code, "name": "东阿镇便民服务中心", "address": "", "phone": "1"},
        follow=True,
    )
    assert [str(m) for m in get_messages(refused.wsgi_request)] == ["请填写地址。"]
    assert not Office.objects.exists()
    saved = client_for(county_admin).post(
        "/guide/offices/",
        {
            "region": dong_e.code,
            "name": "东阿镇便民服务中心",
            "address": "镇政府",
            "phone": "0531-1",
        },
        follow=True,
    )
    assert [str(m) for m in get_messages(saved.wsgi_request)] == ["经办窗口已保存。"]
    assert Office.objects.get().region_code == dong_e.code
