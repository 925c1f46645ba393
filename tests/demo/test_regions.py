"""The shipped region tree of 平阴县 and the import_regions command."""

import collections

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jiuzhu.core.management.commands.import_regions import SHIPPED_CSV
from jiuzhu.core.models import Region, RegionLevel

TOWNS = {
    "370124001": "榆山街道",
    "370124002": "锦水街道",
    "370124102": "东阿镇",
    "370124103": "孝直镇",
    "370124104": "孔村镇",
    "370124105": "洪范池镇",
    "370124106": "玫瑰镇",
    "370124107": "安城镇",
}


@pytest.mark.django_db
def test_shipped_tree_has_the_county_its_towns_and_their_villages(capsys):
    call_command("import_regions")
    assert "已导入行政区划" in capsys.readouterr().out
    county = Region.objects.get(level=RegionLevel.COUNTY)
    assert (county.code, county.name) == ("370124000000", "平阴县")
    towns = {r.code[:9]: r.name for r in Region.objects.filter(level=RegionLevel.TOWN)}
    assert towns == TOWNS
    assert all(t.parent_id == county.pk for t in Region.objects.filter(level=RegionLevel.TOWN))

    villages = list(Region.objects.filter(level=RegionLevel.VILLAGE).select_related("parent"))
    assert 300 <= len(villages) <= 360
    per_town = collections.Counter(v.parent.name for v in villages)
    assert per_town["孝直镇"] == 64
    assert per_town["孔村镇"] == 47  # 46 villages and one community
    assert per_town["洪范池镇"] == 34
    assert 50 <= per_town["东阿镇"] <= 60
    for village in villages:
        assert village.code[:9] == village.parent.code[:9]
        serial = int(village.code[9:])
        # Communities are numbered 0xx and urban, village committees 2xx and rural.
        if village.is_urban:
            assert 1 <= serial < 100 and village.name.endswith("社区")
        else:
            assert 201 <= serial < 300 and village.name.endswith("村")
    names_per_town = collections.Counter((v.parent_id, v.name) for v in villages)
    assert max(names_per_town.values()) == 1
    assert Region.objects.get(code="370124105201").name == "书院村"


@pytest.mark.django_db
def test_another_county_loads_its_own_csv(tmp_path, capsys):
    path = tmp_path / "regions.csv"
    path.write_text(
        "code,name,level,parent_code,is_urban\n"
        "370126000000,商河县,county,,0\n"
        "370126001000,许商街道,town,370126000000,1\n"
        "370126001001,示例社区,village,370126001000,1\n",
        encoding="utf-8",
    )
    call_command("import_regions", str(path))
    assert "3 条" in capsys.readouterr().out
    assert Region.objects.get(code="370126001001").parent.name == "许商街道"
    # Saved from Excel on a Chinese Windows: GBK.
    path.write_bytes(path.read_text(encoding="utf-8").replace("示例", "新兴").encode("gbk"))
    call_command("import_regions", str(path))
    assert Region.objects.get(code="370126001001").name == "新兴社区"


@pytest.mark.django_db
def test_a_malformed_csv_is_rejected_and_nothing_is_written(tmp_path):
    good = SHIPPED_CSV.read_text(encoding="utf-8")
    path = tmp_path / "bad.csv"
    path.write_text(good + "37012410220,短代码村,village,370124102000,0\n", encoding="utf-8")
    with pytest.raises(CommandError, match="12位数字"):
        call_command("import_regions", str(path))
    assert not Region.objects.exists()

    path.write_text(
        good.replace(
            "370124102000,东阿镇,town,370124000000", "370124102000,东阿镇,town,370125000000"
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="不一致"):
        call_command("import_regions", str(path))
    assert not Region.objects.exists()

    with pytest.raises(CommandError, match="无法读取"):
        call_command("import_regions", str(tmp_path / "missing.csv"))
