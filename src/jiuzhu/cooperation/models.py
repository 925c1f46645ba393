"""Charity projects, the cases referred to them and what they gave; applications dispatched
to other departments and their decisions."""

from django.db import models

from jiuzhu.cases.models import Case
from jiuzhu.core.models import User
from jiuzhu.registry.models import Household, Person


class CharityProject(models.Model):
    """A charity organisation's project with the funds it still has to give."""

    organisation = models.CharField("慈善组织", max_length=80)
    name = models.CharField("项目名称", max_length=80)
    funds_fen = models.BigIntegerField("可用资金（分）")
    criteria = models.TextField("救助条件", max_length=2000)
    contact = models.CharField("联系人及电话", max_length=80)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(funds_fen__gte=0), name="charity_funds_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation}·{self.name}"


class CharityReferral(models.Model):
    """A household (and its charity case, if it applied) referred to a project by the town."""

    project = models.ForeignKey(CharityProject, on_delete=models.PROTECT, related_name="referrals")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    town_code = models.CharField(max_length=12, db_index=True)
    reason = models.TextField("转介理由", max_length=2000)
    referred_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"转介{self.project}"


class GiftKind(models.TextChoices):
    MONEY = "money", "资金"
    IN_KIND = "in_kind", "物资（折价）"


class CharityGift(models.Model):
    """What the charity gave on a referral, recorded by the town on its behalf."""

    referral = models.ForeignKey(CharityReferral, on_delete=models.PROTECT, related_name="gifts")
    kind = models.CharField("形式", max_length=8, choices=GiftKind.choices)
    amount_fen = models.BigIntegerField("金额（分）")
    given_on = models.DateField("给付日期")
    description = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}给付"


class Department(models.TextChoices):
    """The departments that own the other programmes (the county's opinions, annex); a
    department officer's account names one of these labels as its department."""

    HUMAN_RESOURCES = "human_resources", "县人力资源和社会保障局"
    HOUSING = "housing", "县住房和城乡建设局"
    EDUCATION = "education", "县教育和体育局"
    MEDICAL_INSURANCE = "medical_insurance", "县医疗保障局"
    DISABLED_FEDERATION = "disabled_federation", "县残疾人联合会"
    HEALTH = "health", "县卫生健康局"
    TRADE_UNION = "trade_union", "县总工会"


class ApplicationStatus(models.TextChoices):
    DISPATCHED = "dispatched", "已转部门办理"
    APPROVED = "approved", "部门已批准"
    REFUSED = "refused", "部门不予批准"


class DepartmentApplication(models.Model):
    """An application taken at the town window for another department's programme."""

    number = models.CharField("申请编号", max_length=20, unique=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    town_code = models.CharField(max_length=12, db_index=True)
    department = models.CharField("承办部门", max_length=24, choices=Department.choices)
    programme = models.CharField("申请事项", max_length=80)
    request = models.TextField("申请内容", max_length=2000)
    status = models.CharField(
        "办理状态",
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DISPATCHED,
    )
    taken_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField("办理结果", max_length=500, blank=True)
    amount_fen = models.BigIntegerField("给予金额（分）", null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.number
