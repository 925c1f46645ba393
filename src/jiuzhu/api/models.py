"""What the exchange with the provincial platform keeps (api/exchange.py)."""

from django.db import models

from jiuzhu.core.models import User
from jiuzhu.core.programmes import Programme
from jiuzhu.registry.models import Household, Person


class ProvincialList(models.Model):
    """One import of the province's list of recipients across counties. The list itself is
    not kept: only its fingerprint, its counts and the matches with this county."""

    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64, unique=True)
    rows = models.PositiveIntegerField("名单人数")
    rows_elsewhere = models.PositiveIntegerField("外县人数")
    matches = models.PositiveIntegerField("疑似重复享受", default=0)
    imported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "省级救助对象名单"
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} {self.imported_at:%Y-%m-%d}"


class CrossCountyMatch(models.Model):
    """A person receiving assistance here in a month while another county lists them too."""

    listing = models.ForeignKey(ProvincialList, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12, db_index=True)
    programme = models.CharField("本县救助项目", max_length=16, choices=Programme.choices)
    month = models.DateField("月份")
    other_county_code = models.CharField("外县区划代码", max_length=6)
    other_programme = models.CharField("外县救助项目", max_length=16, choices=Programme.choices)

    class Meta:
        verbose_name = "跨县重复享受"
        ordering = ["region_code", "person_id", "pk"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.month:%Y-%m} {self.other_county_code}"
