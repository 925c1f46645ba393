"""Finding people before they apply: leads reported from the field and their triage, the
people visited regularly (探访帮扶) and each visit, and the photos taken for both."""

from django.db import models
from django.db.models import Q

from jiuzhu.cases.models import Case
from jiuzhu.core.models import Region, User
from jiuzhu.outreach.warnings import AMOUNT_LABELS, RULE_LABELS
from jiuzhu.registry.models import Household, Person


class Hardship(models.TextChoices):
    ILLNESS = "illness", "重病"
    DISABILITY = "disability", "残疾"
    ACCIDENT = "accident", "意外事故"
    DISASTER = "disaster", "自然灾害"
    INCOME_LOSS = "income_loss", "失业或收入骤减"
    ELDERLY_ALONE = "elderly_alone", "老人独居无人照料"
    CHILD_UNCARED = "child_uncared", "儿童无人照料"
    OTHER = "other", "其他困难"


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"
    CRITICAL = "critical", "危急（需先行救助）"


class LeadStatus(models.TextChoices):
    OPEN = "open", "待研判"
    APPLICATION = "application", "已转入救助申请"
    REFERRED = "referred", "已转介部门"
    CLOSED = "closed", "已办结不予处置"


class Department(models.TextChoices):
    """Where a person is referred when civil affairs is not the answer (POLICY.md §4)."""

    HEALTH = "health", "卫生健康部门"
    EDUCATION = "education", "教育部门"
    HUMAN_RESOURCES = "human_resources", "人力资源和社会保障部门"
    HOUSING = "housing", "住房和城乡建设部门"
    DISABLED_FEDERATION = "disabled_federation", "残疾人联合会"
    TRADE_UNION = "trade_union", "总工会"
    CHARITY = "charity", "慈善组织"


class Lead(models.Model):
    """Someone in difficulty, reported by a grid worker, volunteer, cadre or social worker."""

    number = models.CharField("线索编号", max_length=20, unique=True)
    reporter = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12, db_index=True)
    person_name = models.CharField("困难群众姓名", max_length=40)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    address = models.CharField("详细地址", max_length=120)
    hardship = models.CharField("困难类别", max_length=16, choices=Hardship.choices)
    urgency = models.CharField("紧急程度", max_length=10, choices=Urgency.choices)
    description = models.TextField("困难情况", max_length=2000)
    status = models.CharField(
        "处置状态", max_length=12, choices=LeadStatus.choices, default=LeadStatus.OPEN
    )
    reported_at = models.DateTimeField("上报时间")
    triage_due = models.DateField("研判期限", db_index=True)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.CharField("转介部门", max_length=24, choices=Department.choices, blank=True)
    outcome = models.CharField("处置说明", max_length=500, blank=True)
    triaged_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField("处置时间", null=True, blank=True)

    class Meta:
        verbose_name = "困难线索"
        ordering = ["-reported_at", "-pk"]
        indexes = [models.Index(fields=["status", "triage_due"])]
        constraints = [
            # An outcome other than "open" says what was done and by whom.
            models.CheckConstraint(
                condition=Q(status=LeadStatus.OPEN) | Q(triaged_at__isnull=False),
                name="lead_triaged_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status=LeadStatus.APPLICATION) | Q(case__isnull=False),
                name="lead_application_has_case",
            ),
            models.CheckConstraint(
                condition=~Q(status=LeadStatus.REFERRED) | ~Q(department=""),
                name="lead_referral_has_department",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class TargetGroup(models.TextChoices):
    """The people visited regularly (POLICY.md §5); each group's interval is a parameter."""

    TEKUN_DISPERSED = "tekun_dispersed", "分散供养特困人员"
    ELDERLY_ALONE = "elderly_alone", "独居老人"
    CHILD_HARDSHIP = "child_hardship", "困境儿童"
    SEVERE_DISABILITY = "severe_disability", "重度残疾人"


class Service(models.TextChoices):
    EMOTIONAL_SUPPORT = "emotional_support", "情绪疏导"
    RESOURCE_LINKING = "resource_linking", "资源链接"
    CAPABILITY_BUILDING = "capability_building", "能力提升"
    SOCIAL_INTEGRATION = "social_integration", "社会融入"
    CARE = "care", "生活照料"


class VisitTarget(models.Model):
    """A person on a village's visit plan, in one target group, from a date until removed."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    group = models.CharField("探访对象类别", max_length=20, choices=TargetGroup.choices)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    village_code = models.CharField(max_length=12, db_index=True)
    since = models.DateField("纳入日期")
    ended_on = models.DateField("移出日期", null=True, blank=True)
    end_reason = models.CharField("移出原因", max_length=100, blank=True)
    last_visited_on = models.DateField("最近探访", null=True, blank=True)
    # Served under a purchased-services contract (its visits count against the contract).
    contract = models.ForeignKey(
        "ServiceContract", on_delete=models.PROTECT, null=True, blank=True, related_name="served"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "探访对象"
        ordering = ["village_code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "group"],
                condition=Q(ended_on__isnull=True),
                name="one_current_visit_target_per_group",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.group}"


class Visit(models.Model):
    """One visit: who went when, what they found, what the person needs, what was done."""

    target = models.ForeignKey(VisitTarget, on_delete=models.PROTECT, related_name="visits")
    visitor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField("探访日期")
    findings = models.TextField("探访情况", max_length=2000)
    needs = models.TextField("需求", max_length=1000, blank=True)
    services = models.JSONField("提供的服务", default=list)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "探访记录"
        ordering = ["-visited_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.target_id} {self.visited_on}"

    @property
    def service_labels(self) -> list[str]:
        return [Service(name).label for name in self.services]


class Photo(models.Model):
    """A photo taken for a lead or a visit, stored outside the web root."""

    lead = models.ForeignKey(
        Lead, on_delete=models.PROTECT, null=True, blank=True, related_name="photos"
    )
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="photos"
    )
    stored_path = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "照片"
        constraints = [
            models.CheckConstraint(
                condition=Q(lead__isnull=False, visit__isnull=True)
                | Q(lead__isnull=True, visit__isnull=False),
                name="photo_of_a_lead_or_a_visit",
            )
        ]

    def __str__(self) -> str:
        return self.stored_path


class WarningHandling(models.TextChoices):
    VISIT = "visit", "入户核查"
    APPLICATION = "application", "启动救助申请"
    NO_ACTION = "no_action", "不予处置"


class MonitoringWarning(models.Model):
    """A hit of a monitoring rule, sent to the household's town with its evidence; the
    town records what it did within the handling limit."""

    key = models.CharField(max_length=80, unique=True)  # rule, person, source date
    rule = models.CharField("预警规则", max_length=20)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    town_code = models.CharField(max_length=12, db_index=True)
    evidence = models.JSONField("依据", default=dict)
    raised_at = models.DateTimeField("预警时间")
    handling_due = models.DateField("处置期限")
    handling = models.CharField(
        "处置方式", max_length=12, choices=WarningHandling.choices, blank=True
    )
    handling_note = models.CharField("处置说明", max_length=500, blank=True)
    handled_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField("处置时间", null=True, blank=True)

    class Meta:
        verbose_name = "监测预警"
        ordering = ["handling_due", "pk"]

    def __str__(self) -> str:
        return self.key

    @property
    def rule_label(self) -> str:
        return RULE_LABELS.get(self.rule, self.rule)

    @property
    def amount_label(self) -> str:
        """What the evidence's amount is ("" for a rule without one)."""
        return AMOUNT_LABELS.get(self.rule, "")


class MonitoringReason(models.TextChoices):
    DIBAO = "dibao", "低保对象"
    TEKUN = "tekun", "特困人员"
    WARNING = "warning", "部门数据预警"
    EDGE = "edge", "低保边缘家庭"
    EXPENDITURE = "expenditure", "刚性支出困难家庭"
    RETURN_RISK = "return_risk", "易返贫致贫家庭"


# Kept up to date by the monitoring job (edge households computed by the policy engine);
# the others are entered and ended by the town.
AUTOMATIC_REASONS = (
    MonitoringReason.DIBAO,
    MonitoringReason.TEKUN,
    MonitoringReason.WARNING,
    MonitoringReason.EDGE,
)


class MonitoredHousehold(models.Model):
    """A household on the low-income monitoring list for one reason, from a date until it
    no longer qualifies; rows are never removed, so the list keeps its history."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("纳入原因", max_length=12, choices=MonitoringReason.choices)
    town_code = models.CharField(max_length=12, db_index=True)
    since = models.DateField("纳入日期")
    until = models.DateField("移出日期", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    added_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "低收入人口监测对象"
        ordering = ["town_code", "household_id", "reason"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "reason"],
                condition=Q(until__isnull=True),
                name="one_current_monitoring_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.reason}"


class Referral(models.Model):
    """A person referred to another department, with the date its answer is due and the
    answer when it comes."""

    lead = models.ForeignKey(
        Lead, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    person_name = models.CharField("姓名", max_length=40)
    town_code = models.CharField(max_length=12, db_index=True)
    department = models.CharField("转介部门", max_length=24, choices=Department.choices)
    note = models.CharField("转介说明", max_length=500)
    referred_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    referred_on = models.DateField("转介日期")
    answer_due = models.DateField("答复期限")
    answer = models.CharField("部门答复", max_length=500, blank=True)
    answered_on = models.DateField("答复日期", null=True, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "转介"
        ordering = ["answer_due", "pk"]

    def __str__(self) -> str:
        return f"{self.person_name} → {self.department}"


class DeliberationDecision(models.TextChoices):
    TEMPORARY_AID = "temporary_aid", "给予临时救助"
    SPECIAL = "special", "特殊安排"
    REFUSED = "refused", "不予救助"


class Deliberation(models.Model):
    """一事一议: a hard case outside the standard rules, put by the town to the county's
    leading group with the facts; the meeting, who attended, the decision, the amount and
    its legal basis are recorded. Rows are never removed (the list is audited)."""

    number = models.CharField("议题编号", max_length=20, unique=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    town_code = models.CharField(max_length=12, db_index=True)
    facts = models.TextField("困难事实", max_length=2000)
    requested_fen = models.BigIntegerField("建议救助金额（分）")
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("提请时间")
    met_on = models.DateField("会议日期", null=True, blank=True)
    members_present = models.CharField("参会成员", max_length=300, blank=True)
    decision = models.CharField(
        "决定", max_length=16, choices=DeliberationDecision.choices, blank=True
    )
    amount_fen = models.BigIntegerField("决定金额（分）", null=True, blank=True)
    legal_basis = models.CharField("政策依据", max_length=300, blank=True)
    arrangement = models.CharField("特殊安排", max_length=500, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("记录时间", null=True, blank=True)
    # The temporary-aid application the town opens on a decision to help.
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "一事一议"
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_fen__gte=0)
                & (Q(amount_fen__isnull=True) | Q(amount_fen__gte=0)),
                name="deliberation_amounts_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.number


class Post(models.TextChoices):
    ASSISTANT = "assistant", "乡镇社会救助助理员"
    COORDINATOR = "coordinator", "村（社区）协理员"
    SOCIAL_WORKER = "social_worker", "社会工作者"


class ServiceContract(models.Model):
    """政府购买服务: a contract with a social-work organisation for an area, the visits it
    owes, the posts it fills; the people it serves are visit targets linked to it."""

    number = models.CharField("合同编号", max_length=40, unique=True)
    organisation = models.CharField("承接机构", max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12, db_index=True)
    starts_on = models.DateField("起始日期")
    ends_on = models.DateField("终止日期")
    amount_fen = models.BigIntegerField("合同金额（分）")
    visits_contracted = models.PositiveIntegerField("约定探访服务人次")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "政府购买服务合同"
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")) & Q(amount_fen__gte=0),
                name="contract_period_and_amount",
            )
        ]

    def __str__(self) -> str:
        return self.number


class RosterEntry(models.Model):
    """A member of the assistance staff in a post of a region (with or without an account
    on the platform), from a date until they leave; purchased posts name their contract."""

    name = models.CharField("姓名", max_length=40)
    post = models.CharField("岗位", max_length=16, choices=Post.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12, db_index=True)
    contract = models.ForeignKey(
        ServiceContract, on_delete=models.PROTECT, null=True, blank=True, related_name="posts"
    )
    since = models.DateField("到岗日期")
    until = models.DateField("离岗日期", null=True, blank=True)

    class Meta:
        verbose_name = "经办人员"
        ordering = ["region_code", "post", "pk"]

    def __str__(self) -> str:
        return f"{self.name} {self.post}"


class Training(models.Model):
    """A training a member of staff attended."""

    entry = models.ForeignKey(RosterEntry, on_delete=models.PROTECT, related_name="trainings")
    held_on = models.DateField("培训日期")
    topic = models.CharField("培训内容", max_length=100)
    hours = models.DecimalField("学时", max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = "培训记录"
        ordering = ["-held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.held_on}"
