"""Medical bills and what the town decided and paid on them."""

from django.db import models
from django.db.models import F, Q

from jiuzhu.core.models import User
from jiuzhu.medical.formulas import explain_one
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
    """In order of precedence: a person in several on the discharge day is helped as the
    first (tekun and dibao are never in force together)."""

    TEKUN = "tekun", "特困人员"
    DIBAO = "dibao", "低保对象"
    EDGE = "edge", "低保边缘家庭成员"
    MONITORED = "monitored", "防止返贫监测对象"


# Which rule (policy/accessors.MedicalRule group) each category follows.
RULE_GROUP = {
    Category.TEKUN: "assisted",
    Category.DIBAO: "assisted",
    Category.EDGE: "edge",
    Category.MONITORED: "edge",
}


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

    # Indexes and keys are few and chosen: each costs a million-row import its share. No
    # database foreign keys: PostgreSQL checks each row's at commit, one index probe and row
    # lock per key (40 of an import's 50 seconds); the import takes the ids from a join with
    # the registry with the persons locked, and PROTECT still guards deletion in Django.
    # Person has no index of its own: the (person, discharged_on) index serves it.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    town_code = models.CharField(max_length=12)
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
    category = models.CharField("救助对象类别", max_length=12, choices=Category.choices)
    amount_fen = models.BigIntegerField("救助金额（分）")
    # The calculation as recorded (the explanation is rendered from it): the rule in force
    # and the person's year before this bill. Numbers, not text: a tenth of the bytes.
    deductible_fen = models.BigIntegerField("起付线（分）")
    share_bp = models.IntegerField("救助比例（万分之）")
    cap_fen = models.BigIntegerField("年度限额（分）")
    eligible_before_fen = models.BigIntegerField("本年此前政策内自付（分）")
    paid_before_fen = models.BigIntegerField("本年此前已救助（分）")
    status = models.CharField(max_length=8, choices=BillStatus.choices)
    entered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    entered_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(
        PaymentBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bills",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = "医疗费用票据"
        indexes = [
            models.Index(fields=["person", "discharged_on"]),
            # One index for both the area's prefix (LIKE '3701241%') and equality.
            models.Index(
                fields=["town_code"], name="medical_bill_town", opclasses=["varchar_pattern_ops"]
            ),
            # The decided bills only (the bank file, execution): an import's are proposed.
            models.Index(
                fields=["status"],
                name="medical_bill_decided",
                condition=Q(status__in=[BillStatus.APPROVED, BillStatus.PAID, BillStatus.SETTLED]),
            ),
            # Only the bills in a bank file: an import's new bills do not touch it.
            models.Index(
                fields=["batch"], name="medical_bill_batch", condition=Q(batch__isnull=False)
            ),
        ]
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

    @property
    def explanation(self) -> str:
        """Why the bill is paid what it is, in Chinese (formulas.explain_one of this row)."""
        return explain_one(
            Category(self.category).label,
            self.eligible_fen,
            self.eligible_before_fen,
            self.paid_before_fen,
            self.deductible_fen,
            self.share_bp,
            self.cap_fen,
        )
