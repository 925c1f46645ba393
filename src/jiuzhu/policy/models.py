"""Dated policy parameters and stored calculation results.

A parameter is a history of (effective date, value, source document). Rows are only ever
added: a new standard is a new row with a later date, so any past month can be recomputed
with the values that were in force then.
"""

from django.db import models

from jiuzhu.core.models import User
from jiuzhu.core.programmes import Programme


class Parameter(models.Model):
    key = models.CharField("参数", max_length=60, db_index=True)
    effective_from = models.DateField("生效日期")
    value = models.JSONField("取值", help_text="金额、比例以字符串存放，避免浮点误差")
    unit = models.CharField("单位", max_length=20, blank=True)
    source = models.CharField("依据文件", max_length=300)
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "政策参数"
        ordering = ["key", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "effective_from"], name="parameter_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.key}@{self.effective_from}={self.value}"


class CalculationRun(models.Model):
    """One batch computation over the registry (entitlements for a month, or a simulation)."""

    class Kind(models.TextChoices):
        ENTITLEMENTS = "entitlements", "待遇测算"
        SIMULATION = "simulation", "预算影响模拟"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    month = models.DateField("计算月份")
    overrides = models.JSONField("调整的参数", default=dict, blank=True)
    households = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "批量计算"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.month:%Y-%m}"


class EntitlementResult(models.Model):
    """One household's result for one programme in one run. Amounts in fen."""

    # The key is the only index: it serves both lookups (a run's rows, a household in a run)
    # and gives them in household order; a surrogate id would add a sequence call and a
    # second index to maintain for each of a million rows written per run. No database FK
    # either: PostgreSQL checks a deferred FK row by row at commit (seconds per million
    # rows), and the run is created in the same transaction that writes its rows.
    pk = models.CompositePrimaryKey("run", "household_id", "programme")
    run = models.ForeignKey(
        CalculationRun,
        on_delete=models.CASCADE,
        related_name="results",
        db_index=False,
        db_constraint=False,
    )
    household_id = models.BigIntegerField()
    programme = models.CharField(max_length=16, choices=Programme.choices)
    eligible = models.BooleanField()
    amount_fen = models.BigIntegerField()
    reason_code = models.SmallIntegerField()

    class Meta:
        verbose_name = "测算结果"

    def __str__(self) -> str:
        return f"{self.run_id} {self.household_id} {self.programme} {self.amount_fen}"
