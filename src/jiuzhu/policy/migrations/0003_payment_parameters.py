"""Parameters of payments and funds (issue 6): pro-rata, arrears, allocation weights.

Shipped as defaults for the county to confirm; changed by adding a dated row, never by
editing code.
"""

from django.db import migrations

DEFAULT = "默认值，待县里确认"
ROWS = [
    # key, effective_from, value, unit, note
    (
        "payments.prorate_by_days",
        "2014-01-01",
        1,
        "",
        "1：起始或终止日期不在月初时按天折算；0：整月发放。"
        "决定自次月1日起发放、终止于次月1日时，首月和末月均为整月",
    ),
    ("payments.arrears_max_months", "2014-01-01", 12, "月", "补发欠发月份最多追溯的月数"),
    (
        "funds.allocation.weight.recipients",
        "2020-01-01",
        "0.6",
        "",
        "县级补助按乡镇救助对象占比分配的权重",
    ),
    (
        "funds.allocation.weight.fiscal_weakness",
        "2020-01-01",
        "0.4",
        "",
        "县级补助按乡镇财力薄弱指数分配的权重（向财力薄弱乡镇倾斜）",
    ),
    ("funds.warning_months", "2014-01-01", 2, "月", "按月支出进度预计预算不足时提前预警的月数"),
]


def ship(apps, schema_editor):
    Parameter = apps.get_model("policy", "Parameter")
    Parameter.objects.bulk_create(
        [
            Parameter(
                key=key, effective_from=day, value=value, unit=unit, source=DEFAULT, note=note
            )
            for key, day, value, unit, note in ROWS
        ],
        ignore_conflicts=True,
    )


def unship(apps, schema_editor):
    Parameter = apps.get_model("policy", "Parameter")
    for key, day, *_rest in ROWS:
        Parameter.objects.filter(key=key, effective_from=day, created_by=None).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0002_shipped_parameters")]

    operations = [migrations.RunPython(ship, unship)]
