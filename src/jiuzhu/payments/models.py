"""Monthly payroll, bank accounts, payment files, bank results and recovery of overpayments.

A payroll line is a frozen snapshot (payee, full ID number for the bank, account, amount)
taken when the payroll is prepared. Once the payroll is approved it is locked: its row and
its lines never change again (services refuse, and a database trigger refuses any UPDATE,
DELETE or INSERT that touches a locked payroll's lines). What happens afterwards — files
sent, bank results, re-issues, repayments — lives in other tables.
"""

from typing import Any

from django.db import models
from django.db.models import F, Q

from jiuzhu.core.crypto import EncryptedCharField
from jiuzhu.core.models import Region, User
from jiuzhu.core.money import plain_yuan
from jiuzhu.core.programmes import Programme
from jiuzhu.registry.models import Household, Person


class AccountReview(models.TextChoices):
    """Where a recorded account stands: a request waits for a second person's review."""

    PENDING = "pending", "待审核"
    APPROVED = "approved", "已审核生效"
    REJECTED = "rejected", "已驳回"


class BankAccount(models.Model):
    """Where a person's assistance is paid. Recording or correcting one is a request
    (review=pending, valid=False) that takes effect only when a second person with the
    approving role approves it; until then the current valid account stays in force. A
    correction is a new row; the old one stays (valid=False, replaced_by) so that every
    past file can still be explained."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    bank = models.CharField("开户银行", max_length=40)
    account_number = EncryptedCharField("账号", plain_max_length=32)  # sealed: core/crypto.py
    holder_name = models.CharField("户名", max_length=40)
    # Why the holder is not the person registered (a guardian's account), for the record.
    holder_reason = models.CharField("户名不一致原因", max_length=200, db_default="")
    valid = models.BooleanField("有效", default=True)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Bulk loaders (benchmarks) write accounts already in force: the database default.
    review = models.CharField(
        "审核状态", max_length=8, choices=AccountReview.choices, db_default=AccountReview.APPROVED
    )
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField("驳回原因", max_length=200, db_default="")

    class Meta:
        verbose_name = "发放账户"
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(valid=True), name="one_valid_account_per_person"
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(review=AccountReview.PENDING),
                name="one_pending_account_per_person",
            ),
            models.CheckConstraint(
                condition=Q(valid=False) | Q(review=AccountReview.APPROVED),
                name="valid_account_is_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.account_number[-4:]}"


class PayrollKind(models.TextChoices):
    REGULAR = "regular", "月度发放"
    REISSUE = "reissue", "补发（失败重发）"


class PayrollStatus(models.TextChoices):
    PREPARED = "prepared", "已生成待审查"
    CHECKED = "checked", "已审查待审批"
    APPROVED = "approved", "已审批（锁定）"


class Payroll(models.Model):
    """One town's payroll for one month (a county-wide run prepares one per town, so each
    town approves and answers for its own list)."""

    kind = models.CharField(max_length=8, choices=PayrollKind.choices, default=PayrollKind.REGULAR)
    month = models.DateField("发放月份")
    town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    town_code = models.CharField(max_length=12, db_index=True)
    status = models.CharField(max_length=10, choices=PayrollStatus.choices)
    locked = models.BooleanField(default=False)
    origin = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reissues"
    )
    prepared_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField()
    checked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    line_count = models.PositiveIntegerField(default=0)
    total_fen = models.BigIntegerField(default=0)  # net of recoveries
    totals = models.JSONField(default=dict)  # by programme and kind, fen
    check_report = models.JSONField(default=dict, blank=True)
    parameters = models.JSONField(default=dict)  # what was in force, for the record
    seconds = models.FloatField(default=0)

    class Meta:
        verbose_name = "发放名册"
        ordering = ["-month", "town_code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "town"],
                condition=Q(kind=PayrollKind.REGULAR),
                name="one_regular_payroll_per_town_month",
            )
        ]

    def __str__(self) -> str:
        return f"{self.town_code[:9]} {self.month:%Y-%m} {self.kind}"

    @property
    def total_yuan(self) -> str:
        return plain_yuan(self.total_fen)


class LineKind(models.TextChoices):
    REGULAR = "regular", "当月"
    ARREARS = "arrears", "补发欠发月份"
    REISSUE = "reissue", "失败重发"


class Reason(models.IntegerChoices):
    """Why a line has its amount (one small code per line, not a text per line)."""

    DECIDED = 0, "按审核确认金额"
    FIRST_PRORATA = 1, "首月按天折算"
    LAST_PRORATA = 2, "末月按天折算"
    PHASE_OUT = 3, "渐退期按比例发放"
    ARREARS = 4, "补发：决定晚于起始月份"
    REISSUE = 5, "上次发放失败，更正账户后重发"
    STANDARD_CHANGE = 6, "补发：新标准自生效月份起的差额"


# A line's id is its payroll's id × LINES_PER_PAYROLL + its line number: the primary key
# then finds a payroll's lines (one range) and keeps the line numbers unique, so a million
# lines update two indexes, not three, and need no sequence.
LINES_PER_PAYROLL = 10_000_000


def line_id(payroll_id: int, line_no: int) -> int:
    return payroll_id * LINES_PER_PAYROLL + line_no


def line_id_range(payroll_id: int) -> tuple[int, int]:
    """A payroll's line ids lie strictly between these two (for raw SQL)."""
    return line_id(payroll_id, 0), line_id(payroll_id + 1, 0)


class GivenIdField(models.BigIntegerField):
    """A 64-bit primary key the application gives. SQLite declares it INTEGER so that it is
    the table's rowid (any other type gets a second, unique index beside the rowid)."""

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)


class LineQuerySet(models.QuerySet["PayrollLine"]):
    def of_payroll(self, payroll_id: int) -> "LineQuerySet":
        """One payroll's lines, by primary key range (there is no index on payroll)."""
        after, before = line_id_range(payroll_id)
        return self.filter(pk__gt=after, pk__lt=before)


class PayrollLine(models.Model):
    # Lines are written a million at a time, so the table carries no index or row-by-row
    # check it does not need: the primary key (see line_id) and the month-recipient index.
    # No database foreign key to the payroll either: its deferred check costs a lookup per
    # line at commit; a statement-level trigger (migration 0003) checks every inserted
    # line's payroll exists and is not locked in one join, and a payroll with lines cannot
    # be deleted (a database trigger, so Django does not look for lines itself).
    id = GivenIdField(primary_key=True)
    payroll = models.ForeignKey(
        Payroll,
        on_delete=models.DO_NOTHING,
        related_name="lines",
        db_index=False,
        db_constraint=False,
    )
    line_no = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=LineKind.choices)
    for_month = models.DateField("所属月份")
    recipient_id = models.BigIntegerField()
    household_id = models.BigIntegerField()  # the household page goes through recipient_id
    payee_id = models.BigIntegerField()
    programme = models.CharField(max_length=16, choices=Programme.choices)
    # The persons the recipient covered that month (保障人数), for the monthly statistics.
    members = models.PositiveSmallIntegerField(default=1)
    # The household's first regular line in its programme in this payroll: the monthly
    # statistics count households by summing it, not by a distinct count over the lines.
    household_first = models.BooleanField(default=False)
    region_code = models.CharField(max_length=12)
    reason = models.SmallIntegerField(choices=Reason.choices)
    share_permille = models.PositiveSmallIntegerField(default=1000)
    amount_fen = models.BigIntegerField()  # entitled for the month
    recovery_fen = models.BigIntegerField(default=0)  # netted against a recovery claim
    net_fen = models.BigIntegerField()
    recovery_claim_id = models.BigIntegerField(null=True, blank=True)
    origin_line_id = models.BigIntegerField(null=True, blank=True)  # a re-issue's failed line
    # The snapshot the bank is paid from. The full ID number is for the bank file only;
    # screens mask it by role and it is never logged. Both numbers are the person's and the
    # account's sealed texts, copied as they are (core/crypto.py).
    payee_name = models.CharField(max_length=40)
    id_number = EncryptedCharField(plain_max_length=18)
    account_id = models.BigIntegerField(null=True, blank=True)
    # A care institution paid instead of the person (registry CareInstitution): its account
    # is the snapshot's, and account_id stays empty.
    institution_id = models.BigIntegerField(null=True, blank=True)
    bank = models.CharField(max_length=40, blank=True)
    account_number = EncryptedCharField(plain_max_length=32, blank=True)
    holder_name = models.CharField(max_length=40, blank=True)

    objects = LineQuerySet.as_manager()

    class Meta:
        verbose_name = "发放明细"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(id=F("payroll_id") * LINES_PER_PAYROLL + F("line_no"))
                & Q(line_no__gte=1, line_no__lt=LINES_PER_PAYROLL),
                name="payroll_line_id_from_number",
            ),
            models.CheckConstraint(
                condition=Q(net_fen__gte=0), name="payroll_line_net_not_negative"
            ),
        ]
        # Month first: a new month's lines land at the end of the index instead of between
        # every recipient's earlier months (which made each payroll rewrite the whole index).
        # A recipient's lines are found by listing the months (household page, arrears).
        indexes = [
            models.Index(fields=["for_month", "recipient_id"], name="payroll_line_month_recipient")
        ]

    def __str__(self) -> str:
        return self.ref

    @property
    def ref(self) -> str:
        return line_ref(self.payroll_id, self.line_no)


# Lines the bank pays: to a person's valid account, or to a care institution's account.
PAYABLE = Q(account_id__isnull=False) | Q(institution_id__isnull=False)


def line_ref(payroll_id: int, line_no: int) -> str:
    """The reference banks echo back in their results file."""
    return f"P{payroll_id:06d}-{line_no:07d}"


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV（UTF-8）"
    XLSX = "xlsx", "Excel（xlsx）"


class PaymentFile(models.Model):
    """A file of one payroll's lines for one bank, as it was handed over."""

    payroll = models.ForeignKey(Payroll, on_delete=models.PROTECT, related_name="files")
    bank = models.CharField(max_length=40)
    format = models.CharField(max_length=4, choices=FileFormat.choices)
    rows = models.PositiveIntegerField()
    total_fen = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_path = models.CharField(max_length=300)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    results_imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "银行发放文件"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.payroll_id} {self.bank} {self.format}"

    @property
    def total_yuan(self) -> str:
        return plain_yuan(self.total_fen)


class ResultStatus(models.TextChoices):
    PAID = "paid", "发放成功"
    FAILED = "failed", "发放失败"


class LineResult(models.Model):
    """What the bank reported for a line (one result per line; a re-issue is a new line)."""

    line = models.OneToOneField(PayrollLine, on_delete=models.PROTECT, related_name="result")
    # None for a line that never reached a bank (no valid account at approval).
    payment_file = models.ForeignKey(
        PaymentFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=8, choices=ResultStatus.choices)
    reason = models.CharField(max_length=200, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    reissued_in = models.ForeignKey(
        Payroll, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "银行回盘结果"

    def __str__(self) -> str:
        return f"{self.line_id} {self.status}"


class ClaimStatus(models.TextChoices):
    OPEN = "open", "追回中"
    SETTLED = "settled", "已追回"
    WAIVED = "waived", "已核销（免于追回）"


class RecoveryClaim(models.Model):
    """An overpayment found later (death, hidden income): amount, months, a plan of monthly
    instalments netted from later payments or repaid, or waived with a reason."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    programme = models.CharField(max_length=16, choices=Programme.choices)
    region_code = models.CharField(max_length=12, db_index=True)
    from_month = models.DateField("多发起始月份")
    to_month = models.DateField("多发截止月份")
    amount_fen = models.BigIntegerField()
    instalment_fen = models.BigIntegerField(help_text="每月最多从发放中抵扣的金额")
    reason = models.CharField("原因", max_length=300)
    status = models.CharField(max_length=8, choices=ClaimStatus.choices, default=ClaimStatus.OPEN)
    waived_fen = models.BigIntegerField(default=0)
    waiver_reason = models.CharField(max_length=300, blank=True)
    waived_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "多发追回"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="claim_amount_positive"),
            models.CheckConstraint(condition=Q(instalment_fen__gt=0), name="claim_instalment_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.amount_fen}"


class Repayment(models.Model):
    class Kind(models.TextChoices):
        NETTED = "netted", "从发放中抵扣"
        COLLECTED = "collected", "退回"

    claim = models.ForeignKey(RecoveryClaim, on_delete=models.PROTECT, related_name="repayments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount_fen = models.BigIntegerField()
    line_id = models.BigIntegerField(null=True, blank=True)
    on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "追回记录"
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.amount_fen}"
