"""An application's whole life: intake, investigation, decision, public notice, in force."""

import datetime as dt

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from jiuzhu.core.models import Region, User
from jiuzhu.core.programmes import Programme
from jiuzhu.registry.models import Household, Person


class Status(models.TextChoices):
    SUBMITTED = "submitted", "已提交待受理"
    REFUSED = "refused", "不予受理"
    ACCEPTED = "accepted", "已受理"
    INVESTIGATING = "investigating", "调查核实中"
    COMMUNITY_REVIEW = "community_review", "民主评议中"
    DECIDING = "deciding", "待审核确认"
    REJECTED = "rejected", "不予批准"
    NOTICE = "notice", "公示中"
    IN_FORCE = "in_force", "已生效"
    ENDED = "ended", "已终止"
    WITHDRAWN = "withdrawn", "已撤回"


# In the order a case goes through them.
OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.INVESTIGATING,
    Status.COMMUNITY_REVIEW,
    Status.DECIDING,
    Status.NOTICE,
)
# Before a decision: the 15-working-day clock runs.
UNDECIDED_STATUSES = (
    Status.ACCEPTED,
    Status.INVESTIGATING,
    Status.COMMUNITY_REVIEW,
    Status.DECIDING,
)


class TemporaryKind(models.TextChoices):
    NONE = "", "—"
    EMERGENCY = "emergency", "急难型"
    EXPENDITURE = "expenditure", "支出型"


class SchoolStage(models.TextChoices):
    """Education aid's school stages (amounts: policy `education.term_amount.*`)."""

    NONE = "", "—"
    PRESCHOOL = "preschool", "学前教育"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中（含中职）"
    COLLEGE = "college", "大学（含高职）"


def term_of(day: dt.date) -> dt.date:
    """The first day of the school term `day` falls in: spring from 1 March, autumn from
    1 September (January and February belong to the autumn term before)."""
    if day.month >= 9:
        return dt.date(day.year, 9, 1)
    if day.month >= 3:
        return dt.date(day.year, 3, 1)
    return dt.date(day.year - 1, 9, 1)


def term_label(term: dt.date) -> str:
    return f"{term.year}年{'春季' if term.month == 3 else '秋季'}学期"


class ExpenseKind(models.TextChoices):
    """What the hardship of a temporary-aid application is (its evidence says so)."""

    NONE = "", "—"
    MEDICAL = "medical", "医疗支出"
    EDUCATION = "education", "教育支出"
    LIVING = "living", "基本生活支出"
    HOUSING = "housing", "住房及生活设施受损"
    ACCIDENT = "accident", "意外事故、灾害损失"


class Channel(models.TextChoices):
    WINDOW = "window", "乡镇窗口"
    VILLAGE = "village", "村（社区）代办"
    PHONE = "phone", "手机申请"
    REFERRAL = "referral", "主动发现转介"


class Case(models.Model):
    number = models.CharField("申请编号", max_length=20, unique=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="cases")
    applicant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # The person the programme is for when it is not the whole household (单人户, 特困, 儿童).
    beneficiary = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    programme = models.CharField("救助项目", max_length=16, choices=Programme.choices)
    temporary_kind = models.CharField(
        "临时救助类型", max_length=12, choices=TemporaryKind.choices, blank=True
    )
    # Temporary aid: the hardship's amount and kind, and the evidence it was entered from.
    temporary_expense = models.DecimalField(
        "困难金额", max_digits=12, decimal_places=2, null=True, blank=True
    )
    temporary_expense_kind = models.CharField(
        "困难类别", max_length=12, choices=ExpenseKind.choices, blank=True
    )
    temporary_evidence = models.CharField("证明材料", max_length=500, blank=True)
    # Education aid: the student's school stage and the term it is paid for (its 1st day).
    school_stage = models.CharField("学段", max_length=10, choices=SchoolStage.choices, blank=True)
    school_term = models.DateField("学期", null=True, blank=True)
    single_person_unit = models.BooleanField("单人户", default=False)
    status = models.CharField("状态", max_length=20, choices=Status.choices)
    channel = models.CharField("申请渠道", max_length=10, choices=Channel.choices)
    # Where it was taken in, and the town responsible (both see the case).
    intake_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    responsible_town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    intake_code = models.CharField(max_length=12, db_index=True)
    responsible_code = models.CharField(max_length=12, db_index=True)
    reason = models.TextField("申请理由", max_length=2000)
    special_hardship = models.BooleanField("特殊困难，需先行救助", default=False)
    advance_for = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="advance_cases"
    )
    authorisation_signed_at = models.DateTimeField("授权书签署时间", null=True, blank=True)
    commitment_signed_at = models.DateTimeField("承诺书签署时间", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间")
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    decision_due = models.DateField("办结期限", null=True, blank=True, db_index=True)
    advance_due_at = models.DateTimeField("先行救助时限", null=True, blank=True)
    paused_since = models.DateField("暂停计时起", null=True, blank=True)
    paused_working_days = models.PositiveIntegerField("已暂停工作日", default=0)
    investigator = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("审核确认时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    monthly_amount = models.DecimalField(
        "月救助金额（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    one_off_amount = models.DecimalField(
        "一次性救助金额（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    decision_note = models.TextField("审核意见与依据", blank=True)
    explanation = models.JSONField("计算说明", default=dict, blank=True)
    notice_starts_on = models.DateField("公示开始", null=True, blank=True)
    notice_ends_on = models.DateField("公示结束", null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "救助申请"
        indexes = [
            models.Index(fields=["responsible_code", "status", "decision_due"]),
            models.Index(fields=["household", "programme", "status"]),
            # The town's open and overdue lists: a prefix (LIKE) match on either code among
            # the few open cases, not the county's many in force (pattern ops: PostgreSQL's
            # LIKE needs them under a non-C collation; other databases ignore them).
            models.Index(
                fields=["responsible_code"],
                name="case_open_responsible",
                opclasses=["varchar_pattern_ops"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
            ),
            models.Index(
                fields=["intake_code"],
                name="case_open_intake",
                opclasses=["varchar_pattern_ops"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
            ),
            # The overdue and due-soon lists in deadline order: a page of them is read from
            # the undecided cases' deadlines, not by filtering every case's (the county's
            # decided cases far outnumber them).
            models.Index(
                fields=["decision_due", "id"],
                name="case_undecided_due",
                condition=Q(status__in=[s.value for s in UNDECIDED_STATUSES]),
            ),
            # The public notice board: the few decisions under notice, found without reading
            # the county's other cases (a scan of a wider index cost its count 4 ms at 1M).
            models.Index(
                fields=["responsible_code"],
                name="case_in_notice",
                opclasses=["varchar_pattern_ops"],
                condition=Q(status=Status.NOTICE),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def term_name(self) -> str:
        """The education aid's term, as pages say it (2026年秋季学期)."""
        return term_label(self.school_term) if self.school_term else ""


class Action(models.TextChoices):
    """What was done to a case: the transitions below and the events that move no status."""

    SUBMIT = "submit", "提交申请"
    ACCEPT = "accept", "受理"
    REFUSE_INTAKE = "refuse_intake", "不予受理"
    WITHDRAW = "withdraw", "撤回"
    START_INVESTIGATION = "start_investigation", "开始调查"
    RECORD_HOME_VISIT = "record_home_visit", "入户调查"
    PAUSE = "pause", "暂停计时"
    RESUME = "resume", "恢复计时"
    COMPLETE_INVESTIGATION = "complete_investigation", "调查完成"
    RECORD_COMMUNITY_REVIEW = "record_community_review", "民主评议"
    APPROVE = "approve", "审核确认：批准"
    COUNTY_APPROVE = "county_approve", "县级审批：批准"
    REJECT = "reject", "审核确认：不予批准"
    RECORD_OBJECTION = "record_objection", "公示异议"
    CLOSE_NOTICE = "close_notice", "公示期满生效"
    OPEN_ADVANCE_AID = "open_advance_aid", "启动先行救助"
    GRANT_ADVANCE_AID = "grant_advance_aid", "先行救助发放"
    TERMINATE = "terminate", "停止救助"
    REVIEW = "review", "复核"
    SUSPEND = "suspend", "暂停发放"
    REINSTATE = "reinstate", "恢复发放"
    UPLOAD = "upload", "上传材料"
    REQUEST_VERIFICATION = "request_verification", "发起经济状况核对"
    SPOT_CHECK = "spot_check", "抽查"
    REQUEST_REVIEW = "request_review", "监督发起复核"
    REFER_CHARITY = "refer_charity", "转介慈善项目"


class CaseEvent(models.Model):
    """The case's history: every transition and every act recorded on it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "办理记录"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"

    @property
    def action_label(self) -> str:
        """The action in the case's history, in Chinese."""
        return Action(self.action).label if self.action in Action.values else self.action

    @property
    def to_status_label(self) -> str:
        """The status the act left the case in, in Chinese."""
        return Status(self.to_status).label if self.to_status in Status.values else self.to_status


class DocumentKind(models.TextChoices):
    HOUSEHOLD_BOOKLET = "household_booklet", "户口簿"
    ID_CARDS = "id_cards", "身份证"
    DECLARATION = "declaration", "家庭成员、收入和财产申报"
    COMMITMENT = "commitment", "承诺书"
    AUTHORISATION = "authorisation", "家庭经济状况核对授权书"
    DISABILITY_CERTIFICATE = "disability_certificate", "残疾证"
    MEDICAL_RECORDS = "medical_records", "病历、医疗费用票据"
    SCHOOL_CERTIFICATE = "school_certificate", "在校证明"
    INCIDENT_PROOF = "incident_proof", "事故、灾害等证明"
    HOME_VISIT_PHOTO = "home_visit_photo", "入户调查照片"
    HOME_VISIT_FORM = "home_visit_form", "入户调查表"
    OTHER = "other", "其他材料"


class CaseDocument(models.Model):
    """An uploaded file, stored outside the web root and served only to those allowed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    event = models.ForeignKey(CaseEvent, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField("材料类别", max_length=24, choices=DocumentKind.choices)
    original_name = models.CharField(max_length=120)
    stored_path = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "申请材料"

    def __str__(self) -> str:
        return self.original_name


class HomeVisit(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="home_visits")
    visited_on = models.DateField("入户日期")
    lead_staff = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    second_staff = models.CharField("第二名调查人员", max_length=40)
    checklist = models.JSONField("调查项目", default=dict)
    findings = models.TextField("调查情况", max_length=4000)
    household_signed = models.BooleanField("家庭成员已签字", default=False)

    class Meta:
        verbose_name = "入户调查"

    def __str__(self) -> str:
        return f"{self.case_id} {self.visited_on}"


class Objection(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="objections")
    received_on = models.DateField("收到日期")
    content = models.TextField("异议内容", max_length=2000)
    well_founded = models.BooleanField("异议成立", null=True)
    resolution = models.TextField("核查结果", blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "公示异议"

    def __str__(self) -> str:
        return f"{self.case_id} {self.received_on}"


class SpotCheck(models.Model):
    """County supervisors re-examine a random share of decided cases (抽查)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="spot_checks")
    checker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    selected_at = models.DateTimeField(auto_now_add=True)
    finding = models.TextField("抽查意见", blank=True)
    problem_found = models.BooleanField("发现问题", null=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "抽查"
        constraints = [models.UniqueConstraint(fields=["case"], name="one_spot_check_per_case")]

    def __str__(self) -> str:
        return f"{self.case_id}"


class RecipientStatus(models.TextChoices):
    ACTIVE = "active", "正常享受"
    PHASE_OUT = "phase_out", "渐退期"
    SUSPENDED = "suspended", "暂停"
    ENDED = "ended", "已停止"


ACTIVE_RECIPIENT_STATUSES = (
    RecipientStatus.ACTIVE,
    RecipientStatus.PHASE_OUT,
    RecipientStatus.SUSPENDED,
)
# Being paid now: shown on the standing notice and reviewed when due.
PAID_RECIPIENT_STATUSES = (RecipientStatus.ACTIVE, RecipientStatus.PHASE_OUT)


class ReviewClass(models.TextChoices):
    A = "A", "A类（无劳动能力或重病重残，收入稳定）"
    B = "B", "B类（收入基本稳定）"
    C = "C", "C类（收入不稳定、有劳动能力）"


class Recipient(models.Model):
    """A household (or one person) receiving a programme from a month on (救助对象)."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="recipient")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="recipients")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    programme = models.CharField(max_length=16, choices=Programme.choices)
    region_code = models.CharField(max_length=12, db_index=True)
    status = models.CharField(max_length=12, choices=RecipientStatus.choices)
    monthly_amount = models.DecimalField(max_digits=12, decimal_places=2)
    members_covered = models.PositiveSmallIntegerField(default=1)
    start_month = models.DateField("起始月份")
    end_month = models.DateField("终止月份", null=True, blank=True)
    phase_out_until = models.DateField("渐退期至", null=True, blank=True)
    review_class = models.CharField(max_length=1, choices=ReviewClass.choices, blank=True)
    next_review_on = models.DateField("下次复核", null=True, blank=True, db_index=True)
    end_reason = models.CharField(max_length=200, blank=True)
    # When the row last changed, for partners' incremental sync (api/views/sharing.py): the
    # services set it on every update, the demo's bulk writer with the rows. Raw SQL loaders
    # get the database default, which on SQLite is text in another format than Django's
    # (times compare as text there): such a load stamps the rows again through the ORM.
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        verbose_name = "救助对象"
        indexes = [
            models.Index(fields=["programme", "status", "region_code"]),
            models.Index(fields=["updated_at", "id"], name="recipient_changed"),
            # The standing public notice pages through a programme's paid recipients in
            # this order: read straight off the index, no sort of the whole county.
            models.Index(
                fields=["programme", "region_code", "id"],
                condition=Q(status__in=list(PAID_RECIPIENT_STATUSES)),
                name="recipient_standing_notice",
            ),
            # A programme's recipients in force in a town or village (a code prefix, which
            # the index above cannot range over): the worklists read a town's 2,300 tekun
            # recipients through it instead of all its 9,500 recipients' rows.
            models.Index(
                fields=["programme", "region_code"],
                opclasses=["varchar_ops", "varchar_pattern_ops"],
                condition=Q(status__in=list(PAID_RECIPIENT_STATUSES)),
                name="recipient_in_force_in_area",
            ),
        ]
        constraints = [
            # One person cannot be in a programme twice at once.
            models.UniqueConstraint(
                fields=["household", "programme"],
                condition=Q(status__in=list(ACTIVE_RECIPIENT_STATUSES), person__isnull=True),
                name="one_household_recipient_per_programme",
            ),
            models.UniqueConstraint(
                fields=["person", "programme"],
                condition=Q(status__in=list(ACTIVE_RECIPIENT_STATUSES), person__isnull=False),
                name="one_person_recipient_per_programme",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.programme}"


class AdvancePayment(models.Model):
    """Temporary assistance paid first (先行救助), before the full procedure."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="advance_payment")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    method = models.CharField(max_length=20)
    paid_at = models.DateTimeField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "先行救助发放"

    def __str__(self) -> str:
        return f"{self.case_id} {self.amount}"


class Notification(models.Model):
    """What the applicant is told, step by step; SMS goes out through a gateway backend."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, related_name="notifications"
    )
    phone = models.CharField(max_length=20, blank=True)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    sent = models.BooleanField(default=False)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "通知"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:20]


# Re-pricing after a new standard (cases/repricing_models.py), imported here so that Django
# loads it with the cases app's other tables.
from jiuzhu.cases.repricing_models import Repricing as Repricing  # noqa: E402
from jiuzhu.cases.repricing_models import RepricingChange as RepricingChange  # noqa: E402
