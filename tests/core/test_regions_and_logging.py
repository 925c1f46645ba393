import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu.core.errors import DomainError
from jiuzhu.core.logging import RedactIdNumbers, redact
from jiuzhu.core.models import Region
from jiuzhu.core.services import import_regions_csv
from tests.conftest import client_for

TREE = """code,name,level,parent_code,is_urban
370124000000,平阴县,county,,
370124102201,东阿村,village,370124102000,0
370124102000,东阿镇,town,370124000000,0
370124001001,青龙社区,village,370124001000,1
370124001000,榆山街道,town,370124000000,1
"""


@pytest.mark.django_db
def test_region_tree_loads_from_csv_in_any_order():
    assert import_regions_csv(TREE) == 5
    village = Region.objects.get(code="370124102201")
    assert village.parent.name == "东阿镇"
    assert village.full_name == "平阴县东阿镇东阿村"
    county = Region.objects.get(code="370124000000")
    assert county.contains("370124102201")
    assert not village.parent.contains("370124001001")
    assert Region.objects.get(code="370124001001").is_urban


@pytest.mark.django_db
def test_region_tree_with_chinese_headers_and_level_names():
    tree = "区划代码,名称,层级,上级区划代码,是否城镇\n370124000000,平阴县,县,,\n"
    tree += (
        "370124001000,榆山街道,街道,370124000000,是\n370124001001,青龙社区,社区,370124001000,是\n"
    )
    assert import_regions_csv(tree) == 3
    assert Region.objects.get(code="370124001001").level == "village"
    with pytest.raises(DomainError) as refused:
        import_regions_csv("区划代码,名称\n370124000000,平阴县\n")
    assert refused.value.message == "区划导入失败：缺少列 层级、上级区划代码。"
    with pytest.raises(DomainError, match="层级应为 县、镇 或 村。"):
        import_regions_csv(tree.replace(",县,", ",省,"))


@pytest.mark.django_db
def test_malformed_csv_writes_nothing():
    bad = TREE + "37012410220,短代码村,village,370124102000,0\n"
    with pytest.raises(DomainError, match="12位数字"):
        import_regions_csv(bad)
    assert not Region.objects.exists()
    with pytest.raises(DomainError, match="缺少列"):
        import_regions_csv("code,name\n370124000000,平阴县\n")
    mismatched = TREE + "370124103201,错村,village,370124102000,0\n"
    with pytest.raises(DomainError, match="不一致"):
        import_regions_csv(mismatched)
    assert not Region.objects.exists()


def test_id_numbers_never_reach_the_logs(caplog):
    logger = logging.getLogger("jiuzhu.test")
    logger.addFilter(RedactIdNumbers())
    with caplog.at_level(logging.INFO, logger="jiuzhu.test"):
        logger.info("looked up %s for household %d", "37012419800615123X", 12345678901234)
    assert "37012419800615123X" not in caplog.text
    assert "370124********123X" in caplog.text
    assert "12345678901234" in caplog.text  # other long numbers are left alone
    assert redact("id=110105194912310021.") == "id=110105********0021."


@pytest.mark.django_db
def test_region_import_page_for_admin_only_gbk_accepted(county_admin, dong_e_assistant):
    upload = SimpleUploadedFile("regions.csv", TREE.encode("gbk"), content_type="text/csv")
    response = client_for(county_admin).post("/core/regions/", {"file": upload})
    assert response.status_code == 302
    assert Region.objects.filter(name="青龙社区").exists()
    bad = SimpleUploadedFile("bad.csv", b"code,name\n1,x\n", content_type="text/csv")
    page = client_for(county_admin).post("/core/regions/", {"file": bad}).content.decode()
    assert "缺少列" in page
    assert client_for(dong_e_assistant).get("/core/regions/").status_code == 404


@pytest.mark.django_db
def test_region_import_refuses_nul_characters_and_writes_nothing(county_admin):
    """PostgreSQL cannot store a NUL: the reader refuses the file before any write."""
    poisoned = TREE.replace("东阿村", "东\x00阿村")
    before = list(Region.objects.values_list("code", "name"))
    with pytest.raises(DomainError) as refused:
        import_regions_csv(poisoned)
    assert refused.value.message == "区划导入失败：文件含有空字符（\\0），请检查是否为CSV文本文件。"
    upload = SimpleUploadedFile("regions.csv", poisoned.encode(), content_type="text/csv")
    response = client_for(county_admin).post("/core/regions/", {"file": upload})
    assert response.status_code == 200
    assert (
        "区划导入失败：文件含有空字符（\\0），请检查是否为CSV文本文件。"
        in response.content.decode()
    )
    assert list(Region.objects.values_list("code", "name")) == before
