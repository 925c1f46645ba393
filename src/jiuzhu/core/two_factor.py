"""Two-factor sign-in: a TOTP authenticator app (django-otp's otp_totp) and ten recovery
codes, each good once (otp_static).

Who must use it is ``roles.two_factor_required``; anyone else may enrol. A user "has two
factors" once a TOTP device is confirmed; from then on every sign-in ends with a code, and
the session counts as verified only when django-otp's session key names one of the user's
devices (``two_factor_gate`` holds back everything else until then). Every code check goes
through the sign-in throttle (``auth.attempt_code``): a wrong code counts like a wrong
password and is refused with the same generic message. A TOTP code is accepted once (the
device remembers the last time step), a recovery code is deleted when used.
"""

from base64 import b32encode

import django_otp
import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django_otp.models import Device
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiuzhu.core.auth import CODE_FAILED, attempt_code
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.roles import two_factor_required
from jiuzhu.core.services import record_audit

RECOVERY_CODES = 10
AUTHENTICATOR = "身份验证器"
RECOVERY = "恢复码"
REQUIRED_KEEPS = "您的岗位必须使用两步验证，不能自行停用；更换手机请联系县级管理员重置。"


# --- reads -------------------------------------------------------------------------------


def authenticator(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_two_factors(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def is_verified(request: HttpRequest) -> bool:
    """Whether this session passed the second step (django-otp's middleware checks that
    the device named in the session still exists, is confirmed and is the user's)."""
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def uses_two_factors(user: User) -> bool:
    """Whether the user's sign-in has a second step: required of them, or chosen."""
    return two_factor_required(user) or has_two_factors(user)


def second_step_due(request: HttpRequest) -> bool:
    """Whether the signed-in user must still give a code (or enrol) before anything else
    (asked by the gate and the menu: answered once per request)."""
    due = getattr(request, "_second_step_due", None)
    if due is None:
        user = request.user
        due = isinstance(user, User) and not is_verified(request) and uses_two_factors(user)
        request._second_step_due = due  # type: ignore[attr-defined]
    return bool(due)


def key_text(device: TOTPDevice) -> str:
    """The key as an authenticator app asks for it when typed: base32 in groups of four."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """The enrolment QR code as inline SVG (drawn here: no image service, nothing external)."""
    svg: str = segno.make(device.config_url, error="m").svg_inline(scale=5, title="二维码")
    return mark_safe(svg)  # segno's own markup over our own URL


def current_code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now, computed from the device's key; when that
    one was used already in this 30-second step, the next one the device's tolerance
    accepts (for the demo's `jiuzhu demo_code` and the tests, never shown on a page)."""
    device.refresh_from_db()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    step = max(now, device.last_t + 1)
    if step > now + device.tolerance:
        raise DomainError("本时段的验证码已用完，请半分钟后再试。")
    return f"{hotp(device.bin_key, step, device.digits):0{device.digits}d}"


# --- enrolment ---------------------------------------------------------------------------


def pending_authenticator(user: User) -> TOTPDevice:
    """The authenticator being enrolled: the same key until it is confirmed, so that a
    reloaded page still matches the app the user already set up."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    return device


def _replace_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def confirm_enrolment(request: HttpRequest, user: User, code: str) -> list[str]:
    """Confirm the pending authenticator with a code from the app: the session is verified
    and the ten recovery codes are returned (shown once; only they are kept)."""
    if has_two_factors(user):
        raise DomainError("您已启用两步验证。")
    device = pending_authenticator(user)

    def check() -> TOTPDevice | None:
        return device if device.verify_token(_normal(code)) else None

    if attempt_code(request, user, check) is None:
        raise DomainError(CODE_FAILED, field="code")
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_recovery_codes(user)
        record_audit(user, "enable_two_factor", user, {})
    django_otp.login(request, device)
    return codes


# --- the second step and the user's own changes --------------------------------------------


def _normal(code: str) -> str:
    """Codes as people type them: spaces and hyphens dropped, recovery codes in lower case."""
    return "".join(code.split()).replace("-", "").lower()


def _verified_device(user: User, code: str) -> Device | None:
    """The user's device that accepts this code (an authenticator code, else a recovery
    code, which is used up), or None."""
    token = _normal(code)
    if not token or len(token) > 16:
        return None
    devices: list[Device] = [*TOTPDevice.objects.filter(user=user, confirmed=True)]
    devices += StaticDevice.objects.filter(user=user, confirmed=True)
    for device in devices:
        if django_otp.verify_token(user, device.persistent_id, token) is not None:
            return device
    return None


def verify(request: HttpRequest, user: User, code: str) -> Device:
    """The second step of sign-in: verify the session with an authenticator or recovery
    code; refused with the generic message (and counted) otherwise."""
    device = attempt_code(request, user, lambda: _verified_device(user, code))
    if device is None:
        raise DomainError(CODE_FAILED, field="code")
    django_otp.login(request, device)
    return device


def _check_current_code(request: HttpRequest, user: User, code: str) -> None:
    """A change to one's own second factor needs a current code (not just the session)."""
    if attempt_code(request, user, lambda: _verified_device(user, code)) is None:
        raise DomainError(CODE_FAILED, field="code")


def renew_recovery_codes(request: HttpRequest, user: User, code: str) -> list[str]:
    """Ten new recovery codes in place of the old ones (all of which stop working)."""
    if not has_two_factors(user):
        raise DomainError("您尚未启用两步验证。")
    _check_current_code(request, user, code)
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
        record_audit(user, "renew_recovery_codes", user, {})
    return codes


def remove_devices(user: User) -> None:
    """Delete every second-factor device of the user (sessions they verified stop being
    verified: django-otp's middleware no longer finds the device)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def disable_own(request: HttpRequest, user: User, code: str) -> None:
    """A user who is not required to may stop using two-factor sign-in (with a code)."""
    if two_factor_required(user):
        raise DomainError(REQUIRED_KEEPS)
    if not has_two_factors(user):
        raise DomainError("您尚未启用两步验证。")
    _check_current_code(request, user, code)
    with transaction.atomic():
        remove_devices(user)
        record_audit(user, "disable_two_factor", user, {})


def may_issue_token(request: HttpRequest, user: User) -> bool:
    """An API token for a user who signs in with two factors is issued only to a session
    of that same user that passed the second step."""
    if not uses_two_factors(user):
        return True
    return getattr(request.user, "pk", None) == user.pk and is_verified(request)
