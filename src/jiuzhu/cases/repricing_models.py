"""Re-pricing every current recipient after a new standard (标准调整批量重新核定)."""

from typing import Any

from django.db import models

from jiuzhu.core.models import User
from jiuzhu.core.programmes import Programme


class BlockRangeIndex(models.Index):
    """A BRIN index on PostgreSQL, a b-tree elsewhere: for a column whose rows are written
    together in bulk (a run's changes are one COPY, so its rows are adjacent). A BRIN costs
    almost nothing to maintain where a b-tree costs a third of the COPY."""

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if schema_editor.connection.vendor == "postgresql":
            using = " USING brin"
        return super().create_sql(model, schema_editor, using=using, **kwargs)


class Repricing(models.Model):
    """A new standard applied to every current recipient of a monthly programme whose
    amount is a standard, from its effective month (标准调整批量重新核定): computed by a
    background task, confirmed by the county. `towns` holds one summary per town and
    programme."""

    class State(models.TextChoices):
        COMPUTED = "computed", "待确认"
        CONFIRMED = "confirmed", "已确认"

    effective_month = models.DateField("生效月份")
    # The month the changes were computed in: months before it were paid at the old amount.
    computed_month = models.DateField("核定月份")
    state = models.CharField(max_length=12, choices=State.choices, default=State.COMPUTED)
    parameters_digest = models.CharField(max_length=64)
    recipients = models.PositiveIntegerField(default=0)
    towns = models.JSONField(default=list, blank=True)
    seconds = models.FloatField(default=0)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "标准调整重新核定"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.effective_month:%Y-%m} {self.state}"


class RepricingChange(models.Model):
    """One recipient's change in a re-pricing. Amounts in fen; written in bulk (no FK check)."""

    class Kind(models.TextChoices):
        AMOUNT = "amount", "金额调整"
        PHASE_OUT = "phase_out", "收入超过新标准，进入渐退期"
        REVIEW = "review", "不再符合条件，需逐户复核"

    repricing = models.ForeignKey(
        Repricing,
        on_delete=models.CASCADE,
        related_name="changes",
        db_constraint=False,
        db_index=False,  # BlockRangeIndex below
    )
    recipient_id = models.BigIntegerField()
    household_id = models.BigIntegerField()
    programme = models.CharField(max_length=16, choices=Programme.choices, default=Programme.DIBAO)
    town_code = models.CharField(max_length=9)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    old_fen = models.BigIntegerField()
    new_fen = models.BigIntegerField()
    arrears_months = models.SmallIntegerField(default=0)
    arrears_fen = models.BigIntegerField(default=0)
    phase_out_months = models.SmallIntegerField(default=0)
    # Set by the payroll that pays the arrears (payments), once.
    arrears_paid_month = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "重新核定变化"
        indexes = [BlockRangeIndex(fields=["repricing"], name="repricingchange_run")]

    def __str__(self) -> str:
        return f"{self.repricing_id} {self.recipient_id} {self.old_fen}→{self.new_fen}"
