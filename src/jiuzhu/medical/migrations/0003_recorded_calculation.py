"""Bills keep the numbers their amount was decided on (the rule in force, the person's year
before the bill) instead of the text explaining them, which is rendered from the numbers;
edge and monitored households become categories of their own; fewer indexes and no
database foreign keys, for million-row imports (issue 14). Existing bills'
numbers are read back from their explanation text, which formulas.explain wrote."""

import re

from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion

NUMBER = r"([\d,]+\.\d{2})"
PATTERN = re.compile(
    rf"起付线 {NUMBER} 元，救助比例 ([\d.]+)%，年度限额 {NUMBER} 元。"
    rf"本年此前已计政策内自付 {NUMBER} 元，.*本年此前已救助 {NUMBER} 元"
)


def _fen(text):
    whole, cents = text.replace(",", "").split(".")
    return int(whole) * 100 + int(cents)


def read_back(apps, schema_editor):
    Bill = apps.get_model("medical", "Bill")
    for bill in Bill.objects.all().only("pk", "explanation").iterator():
        found = PATTERN.search(bill.explanation)
        if found is None:
            raise RuntimeError(f"medical bill {bill.pk}: explanation not understood")
        deductible, share, cap, eligible_before, paid_before = found.groups()
        Bill.objects.filter(pk=bill.pk).update(
            deductible_fen=_fen(deductible),
            share_bp=round(float(share) * 100),
            cap_fen=_fen(cap),
            eligible_before_fen=_fen(eligible_before),
            paid_before_fen=_fen(paid_before),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("medical", "0002_parameters"),
        ("registry", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name="bill",
                name=name,
                field=field,
                preserve_default=False,
            )
            for name, field in (
                ("deductible_fen", models.BigIntegerField(default=0, verbose_name="起付线（分）")),
                ("share_bp", models.IntegerField(default=0, verbose_name="救助比例（万分之）")),
                ("cap_fen", models.BigIntegerField(default=0, verbose_name="年度限额（分）")),
                (
                    "eligible_before_fen",
                    models.BigIntegerField(default=0, verbose_name="本年此前政策内自付（分）"),
                ),
                (
                    "paid_before_fen",
                    models.BigIntegerField(default=0, verbose_name="本年此前已救助（分）"),
                ),
            )
        ),
        migrations.RunPython(read_back, migrations.RunPython.noop),
        migrations.RemoveField(model_name="bill", name="explanation"),
        migrations.AlterField(
            model_name="bill",
            name="category",
            field=models.CharField(
                choices=[
                    ("tekun", "特困人员"),
                    ("dibao", "低保对象"),
                    ("edge", "低保边缘家庭成员"),
                    ("monitored", "防止返贫监测对象"),
                ],
                max_length=12,
                verbose_name="救助对象类别",
            ),
        ),
        migrations.AlterField(
            model_name='bill',
            name='approved_by',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='bill',
            name='batch',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='bills', to='medical.paymentbatch'),
        ),
        migrations.AlterField(
            model_name='bill',
            name='entered_by',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='bill',
            name='household',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.household'),
        ),
        migrations.AlterField(
            model_name='bill',
            name='person',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='registry.person'),
        ),
        migrations.AlterField(
            model_name='bill',
            name='status',
            field=models.CharField(choices=[('proposed', '待审批'), ('approved', '已审批，待发放'), ('paid', '已制银行发放文件'), ('settled', '一站式结算（医院已直接减免）')], max_length=8),
        ),
        migrations.AlterField(
            model_name='bill',
            name='town_code',
            field=models.CharField(max_length=12),
        ),
        migrations.AddIndex(
            model_name='bill',
            index=models.Index(fields=['town_code'], name='medical_bill_town', opclasses=['varchar_pattern_ops']),
        ),
        migrations.AddIndex(
            model_name='bill',
            index=models.Index(
                condition=models.Q(("status__in", ["approved", "paid", "settled"])),
                fields=["status"],
                name="medical_bill_decided",
            ),
        ),
        migrations.AddIndex(
            model_name='bill',
            index=models.Index(condition=models.Q(('batch__isnull', False)), fields=['batch'], name='medical_bill_batch'),
        ),
    ]
