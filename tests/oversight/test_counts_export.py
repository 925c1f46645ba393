"""Alert counts by rule, town and month; the list's export for the credit platform."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from jiuzhu.core.models import AccessLog
from jiuzhu.oversight import integrity, selectors
from jiuzhu.oversight.models import Alert, AlertStatus, DishonestyRecord, RiskScan
from tests import factories
from tests.conftest import client_for
from tests.payments.conftest import make_household

pytestmark = pytest.mark.django_db


def test_alerts_are_counted_by_rule_town_and_month(ov_staff, dong_e, meigui):
    supervisor = ov_staff["supervisor"]
    for n, (as_of, rule, town) in enumerate(
        [
            (dt.date(2026, 10, 31), "vehicle", dong_e),
            (dt.date(2026, 11, 30), "vehicle", dong_e),
            (dt.date(2026, 11, 30), "vehicle", dong_e),
            (dt.date(2026, 11, 30), "death", meigui),
            (dt.date(2025, 1, 31), "death", meigui),  # more than a year ago: left out
        ]
    ):
        scan = RiskScan.objects.create(as_of=as_of, started_by=supervisor)
        Alert.objects.create(
            rule=rule,
            subject_key=str(n),
            town_code=town.code,
            evidence={"text": "x"},
            first_scan=scan,
            last_seen_on=as_of,
            status=AlertStatus.OPEN,
        )
    months, rows = selectors.alerts_over_time(supervisor, dt.date(2026, 12, 1))
    assert (months[0], months[-1]) == (dt.date(2026, 1, 1), dt.date(2026, 12, 1))
    assert [(r.rule, r.town_code, r.months[9:]) for r in rows] == [
        ("death", meigui.code, [0, 1, 0]),
        ("vehicle", dong_e.code, [1, 2, 0]),
    ]
    page = client_for(supervisor).get(reverse("oversight:alerts")).content.decode()
    assert "近12个月新增预警" in page and "2026年11月" in page


def test_credit_platform_export_lists_entries_on_and_off_the_list(ov_staff, dong_e_village):
    supervisor, decider = ov_staff["supervisor"], ov_staff["supervisor2"]
    entries = []
    for name in ("钱有车", "孙有房"):
        household = make_household(ov_staff["admin"], dong_e_village, name)
        entry = integrity.record_dishonesty(
            supervisor, factories.head_of(household), household, f"{name}隐瞒财产。", 120_000
        )
        integrity.decide(decider, entry, True, "情节严重")
        DishonestyRecord.objects.filter(pk=entry.pk).update(objection_until=dt.date(2020, 1, 1))
        entry.refresh_from_db()
        integrity.publish(decider, entry)
        entries.append(entry)
    integrity.remove(decider, entries[1], "已退回全部款项。")
    response = client_for(decider).get(reverse("oversight:integrity") + "?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "姓名",
        "身份证号",
        "失信事实",
        "骗取金额（元）",
        "罚款（元）",
        "认定日期",
        "认定单位",
        "公布日期",
        "公布截止",
        "名单状态",
        "移出日期",
        "移出原因",
    ]
    on, off = rows[1], rows[2]
    assert on[:5] == [
        "钱有车",
        entries[0].person.id_number,
        "钱有车隐瞒财产。",
        "1200.00",
        "1200.00",
    ]
    assert on[6] == "县民政局" and on[9:] == ["在列", "", ""]
    assert off[9:] == ["已移出", str(entries[1].removed_on), "已退回全部款项。"]
    logged = AccessLog.objects.filter(user=decider, object_type="DishonestyRecord")
    assert sorted(logged.values_list("object_id", flat=True)) == sorted(e.pk for e in entries)
