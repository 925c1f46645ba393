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
