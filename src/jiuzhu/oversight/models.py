"""Supervision: complaints and reports (投诉举报), risk warnings (风险预警) and the staff's
declarations of their close relatives (近亲属备案) that one of the rules reads."""

from django.db import models

from jiuzhu.core.models import Region, User
from jiuzhu.registry.models import Household, Person


class ComplaintChannel(models.TextChoices):
    HOTLINE_12345 = "hotline_12345", "12345热线"
    HOTLINE_BUREAU = "hotline_bureau", "民政局监督电话"
    LETTER_VISIT = "letter_visit", "来信来访"
    WEBSITE = "website", "网站"
    PORTAL = "portal", "手机端"
    IN_PERSON = "in_person", "当面反映"


class ComplaintCategory(models.TextChoices):
    ELIGIBILITY = "eligibility", "救助对象资格存疑"
    STAFF_CONDUCT = "staff_conduct", "工作人员作风"
    NOT_PAID = "not_paid", "救助金未到账"
    PRIVACY = "privacy", "个人信息泄露"
    OTHER = "other", "其他"


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", "待分派"
    ASSIGNED = "assigned", "调查中"
    CONCLUDED = "concluded", "已办结待答复"
    REPLIED = "replied", "已答复"


OPEN_COMPLAINT_STATUSES = (
    ComplaintStatus.RECEIVED,
    ComplaintStatus.ASSIGNED,
    ComplaintStatus.CONCLUDED,
)


class Finding(models.TextChoices):
    FOUNDED = "founded", "属实"
    PARTLY = "partly", "部分属实"
    UNFOUNDED = "unfounded", "不属实"


class Complaint(models.Model):
    number = models.CharField("编号", max_length=20, unique=True)
    # Given to the complainant with the number: both are needed to read the reply online.
    query_code = models.CharField(max_length=8)
    channel = models.CharField("渠道", max_length=16, choices=ComplaintChannel.choices)
    category = models.CharField("类别", max_length=16, choices=ComplaintCategory.choices)
    anonymous = models.BooleanField("匿名", default=False)
    complainant_name = models.CharField("反映人", max_length=40, blank=True)
    complainant_phone = models.CharField("联系电话", max_length=20, blank=True)
    town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12, db_index=True)
    subject_household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_staff = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_text = models.CharField("反映对象", max_length=100, blank=True)
    content = models.TextField("反映内容", max_length=2000)
    evidence = models.TextField("证据说明", max_length=2000, blank=True)
    status = models.CharField(max_length=12, choices=ComplaintStatus.choices)
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The public form's sender, for its rate limit only.
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    due_on = models.DateField("办理期限", db_index=True)
    handler = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finding = models.CharField("调查结论", max_length=12, choices=Finding.choices, blank=True)
    conclusion = models.TextField("处理意见", max_length=2000, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField("答复内容", max_length=1000, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "投诉举报"
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(anonymous=False)
                | (models.Q(complainant_name="") & models.Q(complainant_phone="")),
                name="anonymous_complaint_has_no_identity",
            )
        ]

    def __str__(self) -> str:
        return self.number


class ComplaintNote(models.Model):
    """An investigation note, in the order written."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    text = models.TextField("调查情况", max_length=2000)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.at:%Y-%m-%d}"


class FollowUpKind(models.TextChoices):
    CASE_REVIEW = "case_review", "重新核查救助资格"
    RECOVERY = "recovery", "追回多发资金"
    DISCIPLINE = "discipline", "移交纪检监察"
    CORRECTION = "correction", "责令整改"


class FollowUp(models.Model):
    """What an investigation set in motion (a review, a recovery claim, a referral)."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, null=True, blank=True, related_name="follow_ups"
    )
    alert = models.ForeignKey(
        "Alert", on_delete=models.CASCADE, null=True, blank=True, related_name="follow_ups"
    )
    kind = models.CharField("后续措施", max_length=16, choices=FollowUpKind.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # What the follow-up opened in the app that owns it: the case whose review it started,
    # the recovery claim it recorded.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claim = models.ForeignKey(
        "payments.RecoveryClaim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.kind


class RelativeDeclaration(models.Model):
    """A staff member's close relative (近亲属备案): their cases go to someone else and the
    relatives rule flags them when they receive benefits."""

    staff = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    relation = models.CharField("关系", max_length=20)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "近亲属备案"
        constraints = [
            models.UniqueConstraint(fields=["staff", "person"], name="one_declaration_per_relative")
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.person_id}"


class AlertStatus(models.TextChoices):
    OPEN = "open", "待处理"
    ASSIGNED = "assigned", "核查中"
    CONCLUDED = "concluded", "已办结"


class AlertConclusion(models.TextChoices):
    FALSE_ALARM = "false_alarm", "误报"
    CORRECTION = "correction", "纠正"
    RECOVERY = "recovery", "追回资金"
    REFERRAL = "referral", "移交处理"


class RiskScan(models.Model):
    """One run of all risk rules: when, over what date, how many hits per rule."""

    as_of = models.DateField("核查日期")
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0)
    hits = models.JSONField(default=dict)  # rule → hits found
    new_alerts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.as_of} {self.new_alerts}"


class Alert(models.Model):
    rule = models.CharField("预警规则", max_length=24)
    # What the hit is about (a recipient, an account, a staff member): a repeated hit of the
    # same rule on the same subject updates this alert instead of adding one.
    subject_key = models.CharField(max_length=64)
    town_code = models.CharField(max_length=12, db_index=True)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The staff member the hit concerns (a relative's case, a share of approvals): never
    # its handler.
    staff_involved = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    evidence = models.JSONField("证据", default=dict)
    first_scan = models.ForeignKey(RiskScan, on_delete=models.PROTECT, related_name="+")
    last_seen_on = models.DateField()
    times_seen = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=10, choices=AlertStatus.choices)
    handler = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    conclusion = models.CharField(
        "处理结论", max_length=12, choices=AlertConclusion.choices, blank=True
    )
    conclusion_note = models.TextField("处理说明", max_length=2000, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "风险预警"
        ordering = ["-last_seen_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "subject_key"], name="one_alert_per_hit")
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject_key}"


class IntegrityStatus(models.TextChoices):
    RECORDED = "recorded", "待决定"
    NOT_LISTED = "not_listed", "已记录，不列入名单"
    NOTICE = "notice", "已告知，异议期内"
    WITHDRAWN = "withdrawn", "异议成立，已撤销"
    PUBLISHED = "published", "已公布"
    REMOVED = "removed", "已移出名单"


class DishonestyRecord(models.Model):
    """A proven false declaration (失信记录): who, what, the amount obtained, the recovery
    and fine, and the due process of the published list (黑名单)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region_code = models.CharField(max_length=12, db_index=True)
    facts = models.TextField("失信事实", max_length=2000)
    obtained_fen = models.BigIntegerField("骗取金额（分）")
    fine_fen = models.BigIntegerField("罚款（分）", default=0)
    investigator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=IntegrityStatus.choices)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.TextField("决定", max_length=2000, blank=True)
    notice_on = models.DateField("告知日期", null=True, blank=True)
    objection_until = models.DateField("异议期至", null=True, blank=True)
    objection = models.TextField("异议", max_length=2000, blank=True)
    objection_resolved = models.BooleanField(null=True)
    published_on = models.DateField("公布日期", null=True, blank=True)
    ends_on = models.DateField("公布截止", null=True, blank=True)
    removed_on = models.DateField("移出日期", null=True, blank=True)
    removal_reason = models.CharField("移出原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "失信记录"
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(obtained_fen__gte=0) & models.Q(fine_fen__gte=0),
                name="dishonesty_amounts_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.status}"


class FaultToleranceRecord(models.Model):
    """A staff member's error made in good faith (容错纠错), reviewed by a supervisor: a
    tolerated error is left out of the evaluation's penalties."""

    staff = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=12, db_index=True)
    error = models.TextField("失误情况", max_length=2000)
    # The rules' conditions (for the public good, no personal gain, within the rules'
    # room for judgement, corrected actively), each confirmed or not by the reviewer.
    conditions = models.JSONField(default=dict)
    tolerated = models.BooleanField("予以容错")
    corrected_on = models.DateField("纠正日期", null=True, blank=True)
    conclusion = models.TextField("复核结论", max_length=2000)
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "容错纠错记录"
        ordering = ["-reviewed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.tolerated}"


class TaskProgress(models.Model):
    """A department's progress report on one of the annex's tasks (oversight/data/tasks.toml)."""

    task_number = models.PositiveSmallIntegerField("任务序号")
    department = models.CharField("单位", max_length=40)
    percent = models.PositiveSmallIntegerField("完成进度（%）")
    report = models.TextField("进展情况", max_length=2000)
    evidence = models.TextField("佐证材料", max_length=2000, blank=True)
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "任务进展"
        ordering = ["task_number", "-reported_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__lte=100), name="task_progress_percent_0_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_number} {self.department} {self.percent}"


class StaffAlertKind(models.TextChoices):
    DEADLINE = "deadline", "申请即将到期"
    ADVANCE_AID = "advance_aid", "先行救助超过12小时未发放"
    LEAD = "lead", "新的困难线索"
    REFERRAL = "referral", "新的转介"
    PAYROLL = "payroll", "发放名册待审批"
    VERIFICATION = "verification", "核对任务已完成"


class StaffAlert(models.Model):
    """Something waiting for one member of staff (oversight/staff_alerts/): shown in their
    inbox, texted when they chose so. `key` names the occasion (the case and its deadline,
    the lead …): one alert per user and occasion, however often the task runs."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("类型", max_length=12, choices=StaffAlertKind.choices)
    key = models.CharField(max_length=80)
    text = models.CharField("内容", max_length=300)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    # SMS: sent on its own (immediate), or in the day's digest; never both.
    sms_sent_at = models.DateTimeField(null=True, blank=True)
    sms_error = models.CharField(max_length=200, blank=True)
    digest_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "工作提醒"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_alert_per_occasion")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"


class SmsMode(models.TextChoices):
    OFF = "off", "不发短信"
    EACH = "each", "每条提醒发一条短信"
    DIGEST = "digest", "每天汇总发一条短信"


class AlertPreference(models.Model):
    """How a member of staff wants to be told (the preferences page); without a row, in
    the platform only."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="+")
    in_platform = models.BooleanField("平台内提醒", default=True)
    sms = models.CharField("短信提醒", max_length=8, choices=SmsMode.choices, default=SmsMode.OFF)
    phone = models.CharField("接收短信的手机号", max_length=11, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "提醒设置"

    def __str__(self) -> str:
        return f"{self.user_id} {self.sms}"


class Evidence(models.Model):
    """A file (image or PDF) given as evidence for a complaint, an alert or a dishonesty
    record: checked by its first bytes, sealed on disk like case documents, every read
    logged."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, null=True, blank=True, related_name="files"
    )
    alert = models.ForeignKey(
        Alert, on_delete=models.PROTECT, null=True, blank=True, related_name="files"
    )
    dishonesty = models.ForeignKey(
        DishonestyRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="files"
    )
    original_name = models.CharField("文件名", max_length=120)
    stored_path = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    # None when sent with the public form.
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "证据材料"
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    complaint__isnull=False, alert__isnull=True, dishonesty__isnull=True
                )
                | models.Q(complaint__isnull=True, alert__isnull=False, dishonesty__isnull=True)
                | models.Q(complaint__isnull=True, alert__isnull=True, dishonesty__isnull=False),
                name="evidence_of_one_thing",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class EvaluationTally(models.Model):
    """One indicator of one town for one month of a year (done of due), as counted by the
    evaluation's tally (oversight/tally.py); the yearly scores are read from these rows.
    State indicators (reviews, visits, coverage, funds, roster, usage) are counted as of
    the tally's day and kept under its month."""

    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    town_code = models.CharField(max_length=12)
    indicator = models.CharField(max_length=16)
    done = models.BigIntegerField()
    due = models.BigIntegerField()
    as_of = models.DateField("统计截止日")
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = "绩效评价统计"
        ordering = ["year", "town_code", "indicator", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "town_code", "indicator", "month"], name="one_tally_per_cell"
            ),
            models.CheckConstraint(
                condition=models.Q(done__gte=0) & models.Q(due__gte=0), name="tally_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month} {self.town_code} {self.indicator}"
