"""Who the applicant is: ID number, name and a one-time code texted to the mobile the
registry holds; then a session of its own, under its own cookie, that expires.

Every answer is the same whether or not the ID number is known, and the limits count per
ID number (a keyed hash, kept even for numbers the registry does not know), so neither the
messages nor the timing of refusals tell whether someone is registered.
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from jiuzhu.cases import notifications
from jiuzhu.core import idnumber
from jiuzhu.core.errors import DomainError
from jiuzhu.portal.models import ApplicantSession, OneTimeCode
from jiuzhu.registry.models import Membership, Person
from jiuzhu.registry.selectors import household_for_intake

CODE_MINUTES = 5
CODE_TRIES = 3  # wrong entries before a code is dead
CODES_PER_HOUR = 5
RESEND_SECONDS = 60
LOCK_FAILURES = 5  # wrong entries per ID number within LOCK_MINUTES lock it
LOCK_MINUTES = 30
SESSION_MINUTES = 30  # idle time before the applicant signs in again
COOKIE = "jiuzhu_applicant"

SENT = "如果身份证号和姓名与登记信息一致，验证码已发送到登记的手机号码，5分钟内有效。"
LOCKED = f"尝试次数过多，请{LOCK_MINUTES}分钟后再试。"
WRONG = "验证码不正确或已失效，请重新输入或重新获取。"


def _keyed(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def _check_id(id_number: str) -> str:
    value = idnumber.normalise(id_number)
    if not idnumber.is_valid(value):
        raise DomainError("请输入正确的18位身份证号。", field="id_number")
    return value


def _locked(key: str, now: dt.datetime) -> bool:
    since = now - dt.timedelta(minutes=LOCK_MINUTES)
    failures = OneTimeCode.objects.filter(key=key, created_at__gte=since).aggregate(
        n=Sum("failed_tries")
    )["n"]
    return (failures or 0) >= LOCK_FAILURES


def _registered(id_number: str, name: str) -> Person | None:
    """The person with this ID number and name and a mobile, found through the registry's
    intake read (the one lookup by full ID number it allows)."""
    household = household_for_intake(id_number)
    if household is None:
        return None
    members = Membership.objects.filter(household=household, end_date__isnull=True)
    for membership in members.select_related("person"):
        person = membership.person
        if person.id_number == id_number and person.name == name.strip() and person.phone:
            return person
    return None


def request_code(id_number: str, name: str) -> str:
    """Text a sign-in code to the registered mobile; the same answer for everyone."""
    value = _check_id(id_number)
    if not name.strip():
        raise DomainError("请输入姓名。", field="name")
    key = _keyed(value)
    now = timezone.now()
    with transaction.atomic():
        if _locked(key, now):
            raise DomainError(LOCKED)
        recent = OneTimeCode.objects.filter(key=key, created_at__gte=now - dt.timedelta(hours=1))
        if recent.count() >= CODES_PER_HOUR:
            raise DomainError("获取验证码过于频繁，请1小时后再试。")
        if recent.filter(created_at__gte=now - dt.timedelta(seconds=RESEND_SECONDS)).exists():
            raise DomainError(f"请{RESEND_SECONDS}秒后再获取验证码。")
        person = _registered(value, name)
        code = f"{secrets.randbelow(10**6):06d}"
        OneTimeCode.objects.create(
            key=key,
            person=person,
            code_hash=_keyed(f"{key}:{code}"),
            created_at=now,
            expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
        )
        if person is not None:
            text = f"您的救助服务登录验证码为{code}，{CODE_MINUTES}分钟内有效。请勿告诉他人。"
            phone = person.phone
            transaction.on_commit(lambda: notifications.backend().send(phone, text))
    return SENT


def sign_in(id_number: str, code: str) -> tuple[Person, str]:
    """Check the code against the latest one sent for this ID number; a session token for
    the person on success. A wrong code counts towards the lock (for any ID number)."""
    value = _check_id(id_number)
    key = _keyed(value)
    if _locked(key, timezone.now()):
        raise DomainError(LOCKED)
    # The wrong try is committed before the refusal is raised: it must count.
    signed_in = _use_code(key, code.strip())
    if signed_in is None:
        raise DomainError(WRONG, field="code")
    return signed_in


def _use_code(key: str, code: str) -> tuple[Person, str] | None:
    now = timezone.now()
    with transaction.atomic():
        latest = (
            OneTimeCode.objects.select_for_update()
            .filter(key=key, used_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if latest is None:
            return None
        person = latest.person
        if (
            person is None
            or latest.expires_at <= now
            or latest.failed_tries >= CODE_TRIES
            or not hmac.compare_digest(latest.code_hash, _keyed(f"{key}:{code}"))
        ):
            OneTimeCode.objects.filter(pk=latest.pk).update(failed_tries=latest.failed_tries + 1)
            return None
        OneTimeCode.objects.filter(pk=latest.pk).update(used_at=now)
        token = secrets.token_urlsafe(32)
        ApplicantSession.objects.create(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            person=person,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=SESSION_MINUTES),
        )
    return person, token


def session_person(token: str | None) -> Person | None:
    """The applicant of a live session; each use keeps it alive for SESSION_MINUTES."""
    if not token:
        return None
    now = timezone.now()
    session = (
        ApplicantSession.objects.filter(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            ended_at__isnull=True,
            expires_at__gt=now,
        )
        .select_related("person")
        .first()
    )
    if session is None:
        return None
    renewed = now + dt.timedelta(minutes=SESSION_MINUTES)
    # Written at most once a minute, not on every page.
    if renewed - session.expires_at > dt.timedelta(minutes=1):
        ApplicantSession.objects.filter(pk=session.pk).update(expires_at=renewed)
    return session.person


def sign_out(token: str | None) -> None:
    if token:
        ApplicantSession.objects.filter(
            token_hash=hashlib.sha256(token.encode()).hexdigest(), ended_at__isnull=True
        ).update(ended_at=timezone.now())
