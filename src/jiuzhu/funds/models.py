"""Budgets by programme, year and level; county subsidies allocated to towns; execution.

Amounts in fen. What was paid is read from the payments app's locked payrolls.
"""

from django.db import models

from jiuzhu.core.models import Region, User
from jiuzhu.core.programmes import Programme


class Level(models.TextChoices):
    COUNTY = "county", "县级"
    TOWN = "town", "乡镇"


class Budget(models.Model):
    year = models.PositiveSmallIntegerField("年度")
    programme = models.CharField("救助项目", max_length=16, choices=Programme.choices)
    level = models.CharField("层级", max_length=8, choices=Level.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12, db_index=True)
    amount_fen = models.BigIntegerField("预算金额（分）")
    # A town line set by an allocation says which one (re-running it replaces the line).
    allocation = models.ForeignKey(
        "Allocation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "预算"
        ordering = ["year", "programme", "region_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "programme", "region"], name="one_budget_line_per_region"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_fen__gte=0), name="budget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.programme} {self.region_code}"


class TownFiscalIndex(models.Model):
    """How financially weak a town is (0 = strong … 1 = weakest), set by the county."""

    year = models.PositiveSmallIntegerField("年度")
    town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    weakness = models.DecimalField("财力薄弱指数", max_digits=5, decimal_places=4)
    note = models.CharField("依据", max_length=200, blank=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "乡镇财力指数"
        ordering = ["year", "town__code"]
        constraints = [
            models.UniqueConstraint(fields=["year", "town"], name="one_fiscal_index_per_town"),
            models.CheckConstraint(
                condition=models.Q(weakness__gte=0) & models.Q(weakness__lte=1),
                name="fiscal_weakness_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.town_id} {self.weakness}"


class Allocation(models.Model):
    """One distribution of a county subsidy over the towns, with the weights used."""

    year = models.PositiveSmallIntegerField("年度")
    programme = models.CharField("救助项目", max_length=16, choices=Programme.choices)
    total_fen = models.BigIntegerField("县级补助总额（分）")
    weights = models.JSONField(default=dict)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "县级补助分配"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.year} {self.programme} {self.total_fen}"


class AllocationLine(models.Model):
    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="lines")
    town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    recipients = models.PositiveIntegerField()
    weakness = models.DecimalField(max_digits=5, decimal_places=4)
    weight = models.DecimalField(max_digits=12, decimal_places=10)
    amount_fen = models.BigIntegerField()

    class Meta:
        verbose_name = "补助分配明细"
        ordering = ["town__code"]

    def __str__(self) -> str:
        return f"{self.allocation_id} {self.town_id} {self.amount_fen}"


class WorkingFundKind(models.TextChoices):
    """What a town's working funds (工作经费) pay for (docs/policy/county-opinions.md#capacity)."""

    STAFF = "staff", "人员经费"
    SERVICES = "services", "购买服务"
    TRAINING = "training", "业务培训"
    PLATFORM = "platform", "信息平台建设与运维"


class WorkingBudget(models.Model):
    """A town's working-funds budget line of a year, beside the assistance lines (Budget)."""

    year = models.PositiveSmallIntegerField("年度")
    town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    town_code = models.CharField(max_length=12, db_index=True)
    kind = models.CharField("经费类别", max_length=10, choices=WorkingFundKind.choices)
    amount_fen = models.BigIntegerField("预算金额（分）")
    note = models.CharField("说明", max_length=200, blank=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "工作经费预算"
        ordering = ["year", "town_code", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "town", "kind"], name="one_working_budget_per_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_fen__gte=0), name="working_budget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.town_code} {self.kind}"


class WorkingSpending(models.Model):
    """One payment out of a town's working funds, with its voucher (a scan, stored outside
    the web root) so that the county and the auditors can check it."""

    town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    town_code = models.CharField(max_length=12, db_index=True)
    kind = models.CharField("经费类别", max_length=10, choices=WorkingFundKind.choices)
    spent_on = models.DateField("支出日期")
    amount_fen = models.BigIntegerField("金额（分）")
    purpose = models.CharField("用途与收款方", max_length=200)
    voucher_no = models.CharField("凭证号", max_length=40, blank=True)
    evidence_path = models.CharField(max_length=200)
    evidence_name = models.CharField("凭证文件名", max_length=120)
    evidence_type = models.CharField(max_length=40)
    evidence_sha256 = models.CharField(max_length=64)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "工作经费支出"
        ordering = ["-spent_on", "-pk"]
        indexes = [models.Index(fields=["town_code", "spent_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0), name="working_spending_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.spent_on} {self.town_code} {self.kind} {self.amount_fen}"
