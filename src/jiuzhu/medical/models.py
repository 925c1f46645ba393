"""Medical bills and what the town decided and paid on them."""

from django.db import models
from django.db.models import F, Q

from jiuzhu.core.models import User
from jiuzhu.registry.models import Household, Person


class BillStatus(models.TextChoices):
    PROPOSED = "proposed", "待审批"
    APPROVED = "approved", "已审批，待发放"
    PAID = "paid", "已制银行发放文件"
    SETTLED = "settled", "一站式结算（医院已直接减免）"


class BillSource(models.TextChoices):
    ENTERED = "entered", "乡镇录入"
    IMPORTED = "imported", "医保局数据导入"


class Category(models.TextChoices):
    TEKUN = "tekun", "特困人员"
    DIBAO = "dibao", "低保对象"


# Which rule (policy/accessors.MedicalRule group) each category follows.
RULE_GROUP = {Category.TEKUN: "assisted", Category.DIBAO: "assisted"}


class PaymentBatch(models.Model):
    """One bank file of post-settlement medical assistance (医疗救助“后付”)."""

    town_code = models.CharField(max_length=12, db_index=True)
    bank = models.CharField("开户银行", max_length=40)
    rows = models.PositiveIntegerField("笔数")
    total_fen = models.BigIntegerField("合计（分）")
    sha256 = models.CharField(max_length=64)
    stored_path = models.CharField(max_length=400)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "医疗救助发放文件"

    def __str__(self) -> str:
        return f"{self.bank} {self.rows}"


class Bill(models.Model):
    """A hospital bill of a person: total = basic insurance + critical-illness insurance +
    eligible out-of-pocket + self-paid items outside the insurance list."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    town_code = models.CharField(max_length=12, db_index=True)
    hospital = models.CharField("医疗机构", max_length=80)
    admitted_on = models.DateField("入院日期")
    discharged_on = models.DateField("出院（结算）日期")
    total_fen = models.BigIntegerField("医疗总费用（分）")
    basic_fen = models.BigIntegerField("基本医保支付（分）")
    critical_fen = models.BigIntegerField("大病保险支付（分）")
    eligible_fen = models.BigIntegerField("政策范围内自付（分）")
    self_paid_fen = models.BigIntegerField("政策外自费（分）", default=0)
    one_stop = models.BooleanField("一站式结算", default=False)
    source = models.CharField(max_length=8, choices=BillSource.choices)
    category = models.CharField("救助对象类别", max_length=8, choices=Category.choices)
    amount_fen = models.BigIntegerField("救助金额（分）")
    explanation = models.TextField("计算说明")
    status = models.CharField(max_length=8, choices=BillStatus.choices, db_index=True)
    entered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="bills"
    )

    class Meta:
        verbose_name = "医疗费用票据"
        indexes = [models.Index(fields=["person", "discharged_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    total_fen=F("basic_fen")
                    + F("critical_fen")
                    + F("eligible_fen")
                    + F("self_paid_fen")
                ),
                name="medical_bill_parts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(admitted_on__lte=F("discharged_on")), name="medical_bill_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hospital} {self.discharged_on}"
