"""Where people apply: the county's and each town's assistance office (address, telephone,
hours), kept by the county administrator and quoted on every public programme page."""

from django.db import models

from jiuzhu.core.models import Region, User


class Office(models.Model):
    """One office: the county bureau (its telephone is the assistance hotline) or a town's
    one-stop window (一门受理)."""

    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12, db_index=True)
    name = models.CharField("窗口名称", max_length=60)
    address = models.CharField("地址", max_length=120)
    phone = models.CharField("电话", max_length=30)
    hours = models.CharField("办公时间", max_length=60, blank=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "经办窗口"
        ordering = ["region_code"]

    def __str__(self) -> str:
        return self.name
