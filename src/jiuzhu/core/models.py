from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from jiuzhu.core.idnumber import Visibility
from jiuzhu.core.roles import ID_VISIBILITY, Capability, Role, role_can


class RegionLevel(models.TextChoices):
    COUNTY = "county", "县"
    TOWN = "town", "镇（街道）"
    VILLAGE = "village", "村（社区）"


# Significant digits of a 12-digit code at each level: 370124 / 370124102 / 370124102201.
PREFIX_LENGTH = {RegionLevel.COUNTY: 6, RegionLevel.TOWN: 9, RegionLevel.VILLAGE: 12}


class Region(models.Model):
    """County → town → village, coded by GB/T 2260 plus the statistical village digits.

    The code is hierarchical, so a subtree is every code that starts with the node's prefix.
    """

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=60)
    level = models.CharField("层级", max_length=8, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_urban = models.BooleanField("城镇（街道、社区）", default=False)

    class Meta:
        verbose_name = "行政区划"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{12}$"), name="region_code_12_digits"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[RegionLevel(self.level)]]

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)

    @property
    def full_name(self) -> str:
        """The names from the county down to this region, joined (平阴县东阿镇东阿村)."""
        names = []
        node: Region | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))


class User(AbstractUser):
    role = models.CharField("角色", max_length=24, choices=Role.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, related_name="staff", verbose_name="所属区划"
    )
    department = models.CharField("所属部门", max_length=40, blank=True)
    # Set by an administrator to lock the account (sign-in refused, API tokens revoked).
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "工作人员"

    def can(self, capability: Capability) -> bool:
        return self.is_active and self.region_id is not None and role_can(self.role, capability)

    @property
    def display_name(self) -> str:
        """How pages name a member of staff: their name, else their post (never the login)."""
        return f"{self.last_name}{self.first_name}".strip() or self.get_role_display()

    @property
    def id_visibility(self) -> str:
        return ID_VISIBILITY.get(self.role, Visibility.HIDDEN)

    @property
    def scope_prefix(self) -> str:
        """Region codes this user may see start with this; "-" matches nothing."""
        return self.region.prefix if self.region is not None else "-"


class WorkingDayOverride(models.Model):
    """An administrator's correction to the official calendar (a newly announced year)."""

    date = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("是否工作日")
    note = models.CharField("说明", max_length=100)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "工作日调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date}: {'上班' if self.is_working_day else '休息'}"


class ChainedEntry(models.Model):
    """A row of an append-only log chained by hashes (see core/audit_chain.py): each row's
    hash covers its content and the previous row's hash, so a changed or removed row breaks
    the chain. The database refuses updates (and deletes on PostgreSQL)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    previous_hash = models.CharField(max_length=64, default="", editable=False)
    entry_hash = models.CharField(max_length=64, default="", editable=False)

    class Meta:
        abstract = True


class ChainHead(models.Model):
    """The end of each hash chain: how many entries and the last hash. Inserting takes this
    row's lock, so concurrent writers extend the chain one after another, and a removed
    last entry shows as a count that does not match."""

    log = models.CharField(max_length=20, primary_key=True)
    entries = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = "日志链尾"

    def __str__(self) -> str:
        return f"{self.log}: {self.entries}"


class LogCheckpoint(models.Model):
    """A prune of a log's oldest entries (core/audit_chain.py): they went into a sealed
    archive file, and the chain continues from here. Each checkpoint links to the one
    before; `open` is true only inside the prune's own transaction, and the database lets
    entries be deleted only up to an open checkpoint."""

    log = models.CharField(max_length=20)
    # The chain's hash before the first archived entry (the previous checkpoint's last_hash).
    previous_hash = models.CharField(max_length=64)
    last_sequence = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    entries = models.BigIntegerField()
    archive = models.CharField(max_length=100)
    archive_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    open = models.BooleanField(default=True)

    class Meta:
        verbose_name = "日志归档检查点"
        constraints = [
            models.UniqueConstraint(fields=["log", "last_sequence"], name="log_checkpoint_once")
        ]

    def __str__(self) -> str:
        return f"{self.log} ≤ {self.last_sequence}"


class AuditEntry(ChainedEntry):
    """Every write: who, when, what changed. ID numbers are stored masked."""

    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_id = models.BigIntegerField(null=True)
    changes = models.JSONField(default=dict)

    class Meta:
        verbose_name = "操作记录"
        indexes = [models.Index(fields=["object_type", "object_id"])]
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class AccessLog(ChainedEntry):
    """Every opening of a household file or API read of a person, searchable by auditors."""

    class Channel(models.TextChoices):
        PAGE = "page", "页面"
        API = "api", "接口"

    user = models.ForeignKey(User, on_delete=models.PROTECT)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    object_type = models.CharField(max_length=20)
    object_id = models.BigIntegerField()
    household_id = models.BigIntegerField(null=True, db_index=True)
    ip = models.GenericIPAddressField(null=True)

    class Meta:
        verbose_name = "访问日志"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.object_type}#{self.object_id}"


class Task(models.Model):
    """A background task (see core/tasks.py): long work never runs inside a request."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "运行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        # Its worker died (no heartbeat); the supervisor runs it again (core/tasks.py).
        INTERRUPTED = "interrupted", "已中断，等待续跑"

    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    # The worker's sign of life, and how many times a worker has started on the task.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} {self.status}"


class LoginFailure(models.Model):
    """One failed sign-in, kept for the throttling window (core/auth.py).

    The account is a keyed hash of the typed username (real or not: both are treated alike);
    neither the username nor the password is ever stored.
    """

    at = models.DateTimeField(db_index=True)
    client = models.CharField(max_length=45)
    account = models.CharField(max_length=64)

    class Meta:
        verbose_name = "登录失败记录"
        indexes = [
            models.Index(fields=["client", "at"], name="login_failure_client"),
            models.Index(fields=["account", "at"], name="login_failure_account"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.client}"


class TrustedLoginClient(models.Model):
    """A client address an account signed in from: others' failures do not slow it there."""

    account = models.CharField(max_length=64)
    client = models.CharField(max_length=45)
    last_success_at = models.DateTimeField()

    class Meta:
        verbose_name = "常用登录地址"
        constraints = [
            models.UniqueConstraint(fields=["account", "client"], name="trusted_login_client")
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.last_success_at:%Y-%m-%d}"


class SecurityEvent(models.Model):
    """Something county administrators should look at (core/security_views.py)."""

    class Kind(models.TextChoices):
        LOGIN_SPRAY = "login_spray", "多账户密码试探"

    at = models.DateTimeField(db_index=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    client = models.CharField("来源地址", max_length=45)
    detail = models.JSONField(default=dict)

    class Meta:
        verbose_name = "安全事件"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.client}"


class TokenScope(models.TextChoices):
    """What an API token may be used for (on top of its owner's role)."""

    READ = "registry.read", "读取家庭档案"
    WRITE = "registry.write", "编辑家庭档案"
    CALCULATE = "policy.calculate", "救助测算"
    # Partner scopes (api/views/sharing.py): granted to a department's officer by a county
    # administrator, each reading only the fields that department needs.
    SHARED_RECIPIENTS = "sharing.recipients", "共享：救助对象类别（医保参保资助）"
    SHARED_CHILDREN = "sharing.children", "共享：救助家庭在学年龄儿童（教育资助）"
    SHARED_CASES = "sharing.cases", "共享：救助申请及办理环节"
    SHARED_PAYMENTS = "sharing.payments", "共享：发放明细"
    SHARED_VERIFICATION = "sharing.verification", "共享：经济状况核对报告"


class ApiToken(models.Model):
    """An API token (core/tokens.py). Only the SHA-256 of the token is stored: the token
    itself is shown once, when issued. It expires, and is revoked on logout, password change,
    lock, deactivation or by an administrator."""

    class Revocation(models.TextChoices):
        LOGOUT = "logout", "退出登录"
        PASSWORD = "password", "修改密码"
        LOCKED = "locked", "账户锁定"
        DEACTIVATED = "deactivated", "账户停用"
        ADMIN = "admin", "管理员吊销"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField("权限范围", default=list)
    created_at = models.DateTimeField("创建时间")
    expires_at = models.DateTimeField("到期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_reason = models.CharField(
        "吊销原因", max_length=12, choices=Revocation.choices, blank=True
    )

    class Meta:
        verbose_name = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id} #{self.pk}"

    @property
    def scope_labels(self) -> str:
        """The scopes in Chinese, joined with 、."""
        labels = dict(TokenScope.choices)
        return "、".join(str(labels.get(scope, scope)) for scope in self.scopes)
