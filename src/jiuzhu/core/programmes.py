from django.db import models


class Programme(models.TextChoices):
    """The programmes under one safety net (docs/policy/county-opinions.md#programmes)."""

    DIBAO = "dibao", "最低生活保障"
    TEKUN = "tekun", "特困人员救助供养"
    CHILDREN = "children", "困境儿童保障"
    EDUCATION = "education", "教育救助"
    MEDICAL = "medical", "医疗救助"
    TEMPORARY = "temporary", "临时救助"
    CHARITY = "charity", "慈善救助"
    DISABILITY = "disability", "残疾人两项补贴"
    ELDERLY = "elderly", "经济困难老年人补贴"
