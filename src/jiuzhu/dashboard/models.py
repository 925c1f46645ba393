"""The overview's aggregate tables: small, refreshed after each payroll and nightly, so a
page never scans the registry or the payroll lines."""

from django.db import models

from jiuzhu.core.models import Region
from jiuzhu.core.programmes import Programme


class MonthlyFigure(models.Model):
    """What the locked payrolls of a month paid, by village and programme.

    Recipients, households and persons count the month's regular lines (a re-issue pays a
    recipient already counted); the amount is what reached the bank: every locked line of
    the month, less the lines the bank reported failed.
    """

    month = models.DateField("月份")
    region_code = models.CharField("村（社区）代码", max_length=12)
    programme = models.CharField("救助项目", max_length=16, choices=Programme.choices)
    recipients = models.PositiveIntegerField("救助对象", default=0)
    households = models.PositiveIntegerField("户数", default=0)
    persons = models.PositiveIntegerField("人数", default=0)
    amount_fen = models.BigIntegerField("发放金额（分）", default=0)

    class Meta:
        verbose_name = "月度发放统计"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region_code", "programme"], name="one_figure_per_month_village"
            )
        ]
        indexes = [models.Index(fields=["region_code", "month"], name="figure_region_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_code} {self.programme}"


class CaseFigure(models.Model):
    """Timeliness of a town's cases by month: decisions within the 15-working-day limit (by
    the month decided) and advance aid granted within 24 hours (by the month applied)."""

    month = models.DateField("月份")
    town_code = models.CharField("乡镇代码", max_length=12)
    decided = models.PositiveIntegerField("审核确认件数", default=0)
    decided_in_time = models.PositiveIntegerField("按期办结件数", default=0)
    advance = models.PositiveIntegerField("先行救助件数", default=0)
    advance_in_time = models.PositiveIntegerField("24小时内先行救助件数", default=0)

    class Meta:
        verbose_name = "办理时效统计"
        constraints = [
            models.UniqueConstraint(fields=["month", "town_code"], name="one_case_figure_per_town")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.town_code}"


class RefreshedMonth(models.Model):
    """Which town-months the figures hold, and when they were computed (the page says how
    fresh its numbers are; the nightly run recomputes months whose payrolls changed)."""

    month = models.DateField()
    town_code = models.CharField(max_length=12)
    refreshed_at = models.DateTimeField()
    payrolls = models.JSONField(default=list)  # the locked payrolls counted

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "town_code"], name="one_refresh_per_town_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.town_code}"


class RegisteredPopulation(models.Model):
    """A region's registered (户籍) population as published, for coverage rates."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+")
    persons = models.PositiveIntegerField("户籍人口")
    year = models.PositiveSmallIntegerField("统计年度")

    class Meta:
        verbose_name = "户籍人口"

    def __str__(self) -> str:
        return f"{self.region} {self.year}: {self.persons}"
