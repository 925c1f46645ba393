"""The applicant's side: one-time codes and sessions (apart from staff sign-in), the papers
issued with a verification code, and what applicants write to their town."""

from django.db import models

from jiuzhu.cases.models import Case
from jiuzhu.core.models import Region
from jiuzhu.registry.models import Household, Person


class OneTimeCode(models.Model):
    """A code texted for sign-in. Keyed by a keyed hash of the ID number, so that requests
    for an ID the registry does not know are limited (and answered) the same way."""

    key = models.CharField(max_length=64, db_index=True)
    # Null when the ID number and name match no one with a mobile: nothing is sent.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, related_name="+")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    failed_tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "登录验证码"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M}"


class ApplicantSession(models.Model):
    """A signed-in applicant, under its own cookie: never a staff session."""

    token_hash = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "申请人登录"

    def __str__(self) -> str:
        return f"{self.person_id} {self.created_at:%Y-%m-%d %H:%M}"


class PaperKind(models.TextChoices):
    RECEIPT = "receipt", "申请受理回执"
    AUTHORISATION = "authorisation", "核对授权书和承诺书"
    DECISION = "decision", "审核确认决定书"
    CERTIFICATE = "certificate", "救助证明"
    TERMINATION = "termination", "停止救助通知书"
    HOME_VISIT = "home_visit", "入户调查记录"


class IssuedPaper(models.Model):
    """A printable paper, recorded with the code the public page resolves: what it says
    is kept so that a forged copy can be told from the one issued."""

    code = models.CharField("验证码", max_length=16, unique=True)
    kind = models.CharField(max_length=16, choices=PaperKind.choices)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    issuer = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    summary = models.CharField("内容摘要", max_length=200)
    issued_at = models.DateTimeField()

    class Meta:
        verbose_name = "已出具文书"

    def __str__(self) -> str:
        return self.code


class SignedRecord(models.Model):
    """The authorisation and commitment as the applicant signed them on the phone (the
    signer and the issuer are the paper's): kept as signed, and rendered as the PDF the case
    keeps by a background task, so that submitting does not wait for the PDF."""

    paper = models.OneToOneField(IssuedPaper, on_delete=models.CASCADE, related_name="signed")
    typed = models.CharField(max_length=40, blank=True)
    drawn = models.BinaryField(blank=True, default=b"")
    on_behalf_of = models.CharField(max_length=60, blank=True)
    # The public check's address printed on the paper, as the applicant's site named it.
    verify_url = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    attached_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "手机签署记录"

    def __str__(self) -> str:
        return f"{self.paper_id} {self.signed_at:%Y-%m-%d %H:%M}"


class MessageKind(models.TextChoices):
    CHANGE = "change", "家庭情况变化报告"
    COMPLAINT = "complaint", "投诉"


class ApplicantMessage(models.Model):
    """A change of circumstances or a complaint, written on the phone to the town."""

    kind = models.CharField("类别", max_length=12, choices=MessageKind.choices)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    town_code = models.CharField(max_length=12, db_index=True)
    text = models.TextField("内容", max_length=2000)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "申请人留言"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:20]
