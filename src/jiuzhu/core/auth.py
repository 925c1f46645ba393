"""Sign-in throttling: by client and by account, with growing delays, never a hard lock.

Every refusal reads the same (``LOGIN_FAILED``), whether the password was wrong, the
username unknown or the attempt throttled, so an answer never tells a real username from a
fake one. Failures are counted in the database (``LoginFailure``), so every process of the
site shares them:

- a client (its address) failing too often waits, with delays doubling up to a cap;
- an account failing too often makes every client wait likewise, except the clients the
  account has already signed in from (``TrustedLoginClient``): a stranger's guesses slow
  the stranger, not the owner at their usual desk;
- one client failing on many accounts raises a ``SecurityEvent`` (a password spray).

A wrong second-factor code (core/two_factor.py) counts exactly like a wrong password
(``attempt_code``), and a sign-in is recorded as a success (``signed_in``: the client is
trusted, its failures forgotten) only once it is complete, after the code when there is one.

The client is the peer address; ``X-Forwarded-For`` is read only when the peer is one of
``JIUZHU_TRUSTED_PROXIES`` (README, the settings table).
"""

import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.backends import ModelBackend
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.http import HttpRequest
from django.utils import timezone

from jiuzhu.core.models import LoginFailure, SecurityEvent, TrustedLoginClient, User

LOGIN_FAILED = "登录失败：用户名或密码错误，或尝试过于频繁，请核对后稍候再试。"
CODE_FAILED = "验证失败：验证码或恢复码不正确、已用过，或尝试过于频繁，请核对后稍候再试。"

logger = logging.getLogger("jiuzhu.security")


class StaffBackend(ModelBackend):
    """Django's password check; an account an administrator locked may not sign in."""

    def user_can_authenticate(self, user: Any) -> bool:
        locked_until = getattr(user, "locked_until", None)
        if locked_until is not None and locked_until > timezone.now():
            return False
        return super().user_can_authenticate(user)

    def get_user(self, user_id: Any) -> User | None:
        """The signed-in user of a request, with their region: every staff page scopes its
        rows by it (one query for both, not two)."""
        user = User.objects.select_related("region").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


# --- who is trying ---------------------------------------------------------------------


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted_proxy(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(
        address in ipaddress.ip_network(network, strict=False)
        for network in settings.JIUZHU_TRUSTED_PROXIES
    )


def client_address(request: HttpRequest | None) -> str:
    """The address of the client: the peer, or — only when the peer is a trusted proxy — the
    nearest forwarded address that is not itself a trusted proxy."""
    if request is None:
        return "unknown"
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return "unknown"
    forwarded = [
        hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()
    ]
    client = peer
    while _trusted_proxy(client) and forwarded:
        hop = _address(forwarded.pop())
        if hop is None:
            break
        client = hop
    return str(client)


def account_key(username: str) -> str:
    """A keyed hash of the typed username: failures are counted per account without the
    username (or a password typed in its place) ever being stored."""
    normalised = username.strip().lower().encode()
    return hmac.new(settings.SECRET_KEY.encode(), normalised, hashlib.sha256).hexdigest()


# --- the throttle ----------------------------------------------------------------------


def _window_start(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(minutes=settings.JIUZHU_LOGIN_WINDOW_MINUTES)


def delay_after(failures: int, free: int) -> dt.timedelta:
    """How long to wait after the last of ``failures``: nothing below ``free``, then the base
    delay doubling with each further failure, up to the cap."""
    if failures < free:
        return dt.timedelta(0)
    seconds = settings.JIUZHU_LOGIN_BASE_DELAY_SECONDS * 2 ** min(failures - free, 30)
    return dt.timedelta(seconds=min(seconds, settings.JIUZHU_LOGIN_MAX_DELAY_SECONDS))


def _must_wait(failures: Any, free: int, now: dt.datetime) -> bool:
    counted = failures.filter(at__gte=_window_start(now)).aggregate(n=Count("id"), last=Max("at"))
    if counted["n"] < free:
        return False
    return bool(now < counted["last"] + delay_after(counted["n"], free))


def is_trusted(client: str, account: str, now: dt.datetime) -> bool:
    """Whether the account signed in from this client lately (its owner's usual desk)."""
    trusted_since = now - dt.timedelta(days=settings.JIUZHU_LOGIN_TRUSTED_CLIENT_DAYS)
    return TrustedLoginClient.objects.filter(
        account=account, client=client, last_success_at__gte=trusted_since
    ).exists()


def is_throttled(client: str, account: str, now: dt.datetime) -> bool:
    """True when this client, or this account from a client it never signed in from, must
    still wait."""
    client_free = settings.JIUZHU_LOGIN_FREE_FAILURES_PER_CLIENT
    if _must_wait(LoginFailure.objects.filter(client=client), client_free, now):
        return True
    if is_trusted(client, account, now):
        return False
    account_free = settings.JIUZHU_LOGIN_FREE_FAILURES_PER_ACCOUNT
    return _must_wait(LoginFailure.objects.filter(account=account), account_free, now)


def _record_failure(client: str, account: str, now: dt.datetime) -> None:
    """Count the failure, forget those past the window, and raise a spray event once per
    window when this client has failed on enough different accounts."""
    LoginFailure.objects.filter(at__lt=_window_start(now)).delete()
    LoginFailure.objects.create(at=now, client=client, account=account)
    since = _window_start(now)
    accounts = (
        LoginFailure.objects.filter(client=client, at__gte=since)
        .values("account")
        .distinct()
        .count()
    )
    if accounts < settings.JIUZHU_LOGIN_SPRAY_ACCOUNTS:
        _distributed_spray(since, now)
        return
    spray = SecurityEvent.Kind.LOGIN_SPRAY
    if SecurityEvent.objects.filter(kind=spray, client=client, at__gte=since).exists():
        return
    window = settings.JIUZHU_LOGIN_WINDOW_MINUTES
    SecurityEvent.objects.create(
        at=now, kind=spray, client=client, detail={"accounts": accounts, "window_minutes": window}
    )
    logger.warning(
        "login spray: client %s failed on %d accounts in %d min", client, accounts, window
    )


# A spray from many addresses (each failing on few accounts) is seen in the whole: the
# client field names no single address then.
MANY_CLIENTS = "多个地址"


def _distributed_spray(since: dt.datetime, now: dt.datetime) -> None:
    """Raise one event a window when failures on many accounts come from many clients."""
    spray = SecurityEvent.Kind.LOGIN_SPRAY
    if SecurityEvent.objects.filter(kind=spray, client=MANY_CLIENTS, at__gte=since).exists():
        return
    recent = LoginFailure.objects.filter(at__gte=since)
    counts = recent.aggregate(
        accounts=Count("account", distinct=True), clients=Count("client", distinct=True)
    )
    wanted = settings.JIUZHU_LOGIN_SPRAY_ACCOUNTS * 3
    if counts["accounts"] < wanted or counts["clients"] < settings.JIUZHU_LOGIN_SPRAY_ACCOUNTS:
        return
    window = settings.JIUZHU_LOGIN_WINDOW_MINUTES
    SecurityEvent.objects.create(
        at=now,
        kind=spray,
        client=MANY_CLIENTS,
        detail={**counts, "window_minutes": window},
    )
    logger.warning(
        "login spray from %d clients on %d accounts in %d min",
        counts["clients"],
        counts["accounts"],
        window,
    )


def _record_success(client: str, account: str, now: dt.datetime) -> None:
    """Trust this client for the account, and forget its own failures on it."""
    trusted = TrustedLoginClient.objects.filter(account=account, client=client)
    if not trusted.update(last_success_at=now):
        try:
            with transaction.atomic():
                TrustedLoginClient.objects.create(
                    account=account, client=client, last_success_at=now
                )
        except IntegrityError:
            pass  # a concurrent sign-in from the same client recorded it first
    LoginFailure.objects.filter(client=client, account=account).delete()


# Password checks for an account from a client it never signed in from take turns, one at
# a time in each process: a spray from many addresses then keeps at most one core busy with
# Argon2, and staff signing in at their usual desks keep the others.
_STRANGER_CHECKS = threading.BoundedSemaphore(1)


@contextmanager
def _turn(trusted: bool) -> Iterator[bool]:
    """Admit a trusted attempt at once; a stranger's after the strangers before it, or not
    at all after JIUZHU_LOGIN_QUEUE_SECONDS (refused like any failure, and not counted)."""
    if trusted:
        yield True
        return
    admitted = _STRANGER_CHECKS.acquire(timeout=settings.JIUZHU_LOGIN_QUEUE_SECONDS)
    try:
        yield admitted
    finally:
        if admitted:
            _STRANGER_CHECKS.release()


def attempt_password(request: HttpRequest, username: str, password: str) -> User | None:
    """The user for these credentials, or None (answer ``LOGIN_FAILED``) when they are wrong
    or this attempt is throttled; a throttled attempt is refused before the password is
    checked, and is not counted. A success is not recorded yet: for a user with a second
    factor the sign-in ends with the code (``attempt_code``), so that a right password alone
    neither trusts the client nor forgets its failed codes."""
    now = timezone.now()
    client = client_address(request)
    account = account_key(username)
    if is_throttled(client, account, now):
        return None
    with _turn(is_trusted(client, account, now)) as admitted:
        if not admitted:
            return None
        user = authenticate(request, username=username, password=password)
    if not isinstance(user, User):
        _record_failure(client, account, now)
        return None
    return user


def signed_in(request: HttpRequest, user: User) -> None:
    """Record a complete sign-in: trust this client for the account, forget its failures."""
    _record_success(client_address(request), account_key(user.username), timezone.now())


CheckedT = TypeVar("CheckedT")


def attempt_code(
    request: HttpRequest, user: User, check: Callable[[], CheckedT | None]
) -> CheckedT | None:
    """What ``check`` (a second-factor code check) returns, counted by the same throttle as
    passwords: refused unchecked while the client or the account must wait, a failure
    recorded like a wrong password (answer ``CODE_FAILED``), a success like a sign-in."""
    now = timezone.now()
    client = client_address(request)
    account = account_key(user.username)
    if is_throttled(client, account, now):
        return None
    checked = check()
    if checked is None:
        _record_failure(client, account, now)
        return None
    _record_success(client, account, now)
    return checked
