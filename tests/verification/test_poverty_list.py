"""The poverty-alleviation bureau's monthly list, imported as a department extract, sets and
ends the households' flags with their dates; nothing is ticked by hand."""

import datetime as dt

import pytest

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AuditEntry
from jiuzhu.core.roles import Role
from jiuzhu.registry.forms import HouseholdForm
from jiuzhu.registry.models import Household, PovertyListing, Relation
from jiuzhu.verification import services
from jiuzhu.verification.models import ExtractImport, ExtractStatus
from tests import factories
from tests.conftest import client_for
from tests.verification.conftest import csv_text, import_rows, write_file

pytestmark = pytest.mark.django_db

MAY, JUNE = dt.date(2026, 5, 31), dt.date(2026, 6, 30)


def _household(admin, village, name):
    head_id = factories.id_number(dt.date(1960, 1, 1))
    household = factories.household(
        admin,
        village,
        members=[
            factories.member(Relation.HEAD, name, village, id_number=head_id),
            factories.member(Relation.SPOUSE, name + "妻", village),
        ],
    )
    return household, head_id


def test_monthly_list_sets_and_ends_flags_with_history(
    officer, tmp_path, county_admin, dong_e_village
):
    a, a_id = _household(county_admin, dong_e_village, "甲")
    b, b_id = _household(county_admin, dong_e_village, "乙")
    stranger = factories.id_number(dt.date(1970, 2, 2))
    may = [
        {"id_number": a_id, "name": "甲", "category": "建档立卡脱贫户", "since": "2016-03-01"},
        {"id_number": b_id, "name": "乙", "category": "防止返贫监测对象", "since": "2026-04-10"},
        {"id_number": stranger, "name": "外人", "category": "建档立卡脱贫户"},
    ]
    outcome = import_rows(officer, tmp_path, "poverty", may, extract_date=MAY)
    assert outcome.extract.status == ExtractStatus.ACCEPTED
    assert outcome.message == (
        "已导入 3 行。新纳入 2 户次，退出 0 户次，保持 0 户次。名单中 1 人未在本平台登记，未标识。"
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.registered_poor is True and b.registered_poor is False
    assert list(PovertyListing.objects.values_list("household", "kind", "since", "until")) == [
        (a.pk, "registered_poor", dt.date(2016, 3, 1), None),
        (b.pk, "monitored", dt.date(2026, 4, 10), None),
    ]
    # June: 甲 has left the list, 乙 is still monitored and now also registered.
    june = [
        {"id_number": b_id, "name": "乙", "category": "防止返贫监测对象", "since": "2026-04-10"},
        {"id_number": b_id, "name": "乙", "category": "建档立卡脱贫户", "since": "2026-06-01"},
    ]
    outcome = import_rows(officer, tmp_path, "poverty", june, extract_date=JUNE)
    assert outcome.message == "已导入 2 行。新纳入 1 户次，退出 1 户次，保持 1 户次。"
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.registered_poor is False and b.registered_poor is True
    history = PovertyListing.objects.filter(household=a).get()
    assert (history.since, history.until, history.ended_by) == (
        dt.date(2016, 3, 1),
        JUNE,
        outcome.extract.pk,
    )
    assert history.source == "乡村振兴局（原扶贫办）·脱贫户与防止返贫监测对象名单"
    entry = AuditEntry.objects.filter(action="apply_poverty_list").latest("pk")
    assert entry.changes == {"started": 1, "ended": 1, "kept": 1, "unknown": 0}
    # The file shows the flags read-only, with their source and dates.
    page = client_for(county_admin).get(f"/households/{a.pk}/").content.decode()
    assert "建档立卡脱贫户（2016年3月1日起至2026年6月30日" in page
    assert "不能手工修改" in page


def test_bad_list_is_refused_whole_in_chinese_and_nothing_written(
    officer, tmp_path, county_admin, dong_e_village
):
    a, a_id = _household(county_admin, dong_e_village, "甲")
    import_rows(
        officer,
        tmp_path,
        "poverty",
        [{"id_number": a_id, "name": "甲", "category": "建档立卡脱贫户"}],
        extract_date=MAY,
    )
    bad = [
        {"id_number": a_id, "name": "甲", "category": "贫困户"},
        {"id_number": factories.id_number(), "name": "乙", "category": "防止返贫监测对象"},
    ]
    with pytest.raises(DomainError) as refused:
        import_rows(officer, tmp_path, "poverty", bad, extract_date=JUNE)
    assert str(refused.value).startswith("名单有 1 行错误（第2行类别：")
    assert str(refused.value).endswith("须整份无误才能导入，未导入，原有标识未改变。")
    a.refresh_from_db()
    assert a.registered_poor is True
    assert PovertyListing.objects.get().until is None
    assert ExtractImport.objects.count() == 1
    # A file that is not a list at all.
    path = write_file(tmp_path, "姓名,年龄\n甲,3\n", "wrong.csv")
    with pytest.raises(DomainError):
        services.import_extract(officer, "poverty", JUNE, path, path.name)
    assert ExtractImport.objects.count() == 1 and PovertyListing.objects.count() == 1


def test_who_may_not_and_no_box_to_tick(tmp_path, county_admin, dong_e_village, dong_e):
    path = write_file(tmp_path, csv_text("poverty", []), "p.csv")
    for role in (Role.TOWN_ASSISTANT, Role.COUNTY_SUPERVISOR):
        with pytest.raises(PermissionError, match=r"^无权导入部门核对数据。$"):
            services.import_extract(factories.user(role, dong_e), "poverty", MAY, path, "p.csv")
    assert "registered_poor" not in HouseholdForm(user=county_admin).fields
    household, _ = _household(county_admin, dong_e_village, "丙")
    client = client_for(county_admin)
    client.post(
        f"/households/{household.pk}/edit/",
        {
            "registered_region": dong_e_village.pk,
            "residence_region": dong_e_village.pk,
            "area_type": "rural",
            "registered_poor": "on",
        },
    )
    assert Household.objects.get(pk=household.pk).registered_poor is False
    assert not PovertyListing.objects.exists()
