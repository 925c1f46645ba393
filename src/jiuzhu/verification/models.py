"""Authorisations, department extracts, verification jobs and their reports."""

from django.db import models
from django.db.models import Q

from jiuzhu.core.models import Region, User
from jiuzhu.registry.models import Household, Person
from jiuzhu.verification.sources import CATEGORY_LABELS, KIND_LABELS, SOURCE_CHOICES


class Authorisation(models.Model):
    """The household's signed consent (授权书) to query other departments' records: a scan
    of the signed paper, who signed it and when, checked by the town responsible before any
    department is queried (a tick in a box is no authorisation)."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="verification_authorisations"
    )
    signed_on = models.DateField("签署日期")
    document = models.CharField("授权书文件或存放位置", max_length=200, blank=True)
    document_sha256 = models.CharField("授权书扫描件SHA-256", max_length=64, blank=True)
    signed_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.CharField("说明", max_length=200, blank=True)
    covers_legal_supporters = models.BooleanField("含赡养（抚养、扶养）义务人授权", default=False)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    checked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField("核验时间", null=True, blank=True)

    class Meta:
        verbose_name = "核对授权书"
        indexes = [models.Index(fields=["household", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.signed_on}"


class ExtractStatus(models.TextChoices):
    PENDING = "pending", "待确认（有错误行）"
    ACCEPTED = "accepted", "已导入"
    REJECTED = "rejected", "已退回"


class ExtractChannel(models.TextChoices):
    """How an extract arrived (stored as text; no choices on the field)."""

    UPLOAD = "upload", "页面上传"


class ExtractImport(models.Model):
    """One file from a department: provenance, validation outcome, where its rows live."""

    source = models.CharField("数据来源", max_length=32, choices=SOURCE_CHOICES)
    extract_date = models.DateField("数据截止日期")
    file_name = models.CharField("文件名", max_length=200)
    file_size = models.BigIntegerField("文件大小", default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    encoding = models.CharField("编码", max_length=16, blank=True)
    channel = models.CharField("渠道", max_length=8, default=ExtractChannel.UPLOAD)
    rows_total = models.BigIntegerField("总行数", default=0)
    rows_valid = models.BigIntegerField("有效行数", default=0)
    rows_invalid = models.BigIntegerField("错误行数", default=0)
    error_count = models.BigIntegerField("错误数", default=0)
    errors = models.JSONField("错误明细（前1000条）", default=list)
    status = models.CharField("状态", max_length=10, choices=ExtractStatus.choices)
    parquet_path = models.CharField(max_length=300, blank=True)
    imported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "部门数据批次"
        ordering = ["-imported_at"]
        constraints = [
            # The same file twice adds nothing: one live import per content hash.
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(status__in=[ExtractStatus.PENDING, ExtractStatus.ACCEPTED]),
                name="extract_one_live_import_per_file",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.extract_date} #{self.pk}"

    @property
    def source_label(self) -> str:
        return dict(SOURCE_CHOICES).get(self.source, self.source)


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "运行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    # Its worker died (no heartbeat); the supervisor resumes it (verification/jobs.py).
    INTERRUPTED = "interrupted", "已中断，等待续跑"


class JobScope(models.TextChoices):
    HOUSEHOLD = "household", "单户"
    REGION = "region", "区域内全部家庭"
    ALL = "all", "全部家庭"


class Engine(models.TextChoices):
    DUCKDB = "duckdb", "DuckDB（单机）"
    SPARK = "spark", "Spark（集群）"


class VerificationJob(models.Model):
    status = models.CharField(
        "状态", max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    scope = models.CharField("范围", max_length=10, choices=JobScope.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    engine = models.CharField("引擎", max_length=8, choices=Engine.choices, default=Engine.DUCKDB)
    as_of = models.DateField("核对基准日")
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("运行次数", default=0)
    # Frozen when the job is prepared, so a resumed job sees exactly the same inputs.
    prepared = models.BooleanField(default=False)
    extract_ids = models.JSONField(default=list)
    thresholds = models.JSONField(default=dict)
    households_total = models.IntegerField("核对户数", default=0)
    households_done = models.IntegerField("已完成户数", default=0)
    skipped_unauthorised = models.IntegerField("未授权跳过户数", default=0)
    chunks_total = models.IntegerField(default=0)
    chunks_done = models.IntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "核对任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"核对任务 #{self.pk}"

    @property
    def progress(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.chunks_total:
            return 0
        return int(100 * self.chunks_done / self.chunks_total)


class Conclusion(models.TextChoices):
    CONSISTENT = "consistent", "一致"
    NEEDS_EXPLANATION = "needs_explanation", "需说明"
    OVER_LIMIT = "over_limit", "超出标准"


class VerificationReport(models.Model):
    """One household's result in one job; totals in fen, monthly for income."""

    job = models.ForeignKey(VerificationJob, on_delete=models.CASCADE, related_name="reports")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    chunk = models.IntegerField()
    town_code = models.CharField(max_length=12, db_index=True)
    area_type = models.CharField(max_length=5)
    members = models.IntegerField()
    conclusion = models.CharField("结论", max_length=20, choices=Conclusion.choices)
    reasons = models.JSONField(default=list)
    income_fen = models.BigIntegerField(default=0)
    declared_income_fen = models.BigIntegerField(default=0)
    financial_fen = models.BigIntegerField(default=0)
    declared_financial_fen = models.BigIntegerField(default=0)
    vehicles = models.IntegerField(default=0)
    houses = models.IntegerField(default=0)
    businesses = models.IntegerField(default=0)
    deaths = models.IntegerField(default=0)
    payroll_members = models.IntegerField(default=0)
    fuzzy_findings = models.IntegerField(default=0)
    findings_count = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "核对报告"
        constraints = [
            models.UniqueConstraint(fields=["job", "household"], name="one_report_per_job"),
        ]
        indexes = [
            models.Index(fields=["job", "chunk"]),
            models.Index(fields=["household", "job"]),
            models.Index(fields=["job", "conclusion"]),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.household_id} {self.conclusion}"


class Finding(models.Model):
    """One matched department record (a fact) for one member of one household."""

    job = models.ForeignKey(VerificationJob, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    chunk = models.IntegerField()
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, related_name="+")
    source = models.CharField("来源", max_length=32, choices=SOURCE_CHOICES)
    extract = models.ForeignKey(ExtractImport, on_delete=models.PROTECT, related_name="+")
    extract_date = models.DateField("数据截止日期")
    kind = models.CharField("类别", max_length=32)
    category = models.CharField(max_length=12)
    amount_fen = models.BigIntegerField("金额（分）", default=0)
    confidence = models.CharField("匹配方式", max_length=5)  # matching.Confidence
    detail = models.CharField("明细", max_length=300, blank=True)

    class Meta:
        verbose_name = "核对发现"
        indexes = [models.Index(fields=["job", "household"]), models.Index(fields=["job", "chunk"])]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.amount_fen}"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS.get(self.category, self.category)
