"""Login with a lock after repeated failures."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.utils import timezone

from jiuzhu.core.models import User


class AccountLocked(Exception):
    def __init__(self, until: dt.datetime):
        self.until = until


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        """Django's check, refused while the account is locked; enough failures in a row lock it."""
        user = User.objects.filter(username=username).first() if username else None
        now = timezone.now()
        if user is not None and user.locked_until and user.locked_until > now:
            raise AccountLocked(user.locked_until)
        authenticated = super().authenticate(request, username, password, **kwargs)
        if user is None:
            return None
        if authenticated is None:
            user.failed_logins += 1
            if user.failed_logins >= settings.JIUZHU_LOGIN_MAX_FAILURES:
                user.locked_until = now + dt.timedelta(minutes=settings.JIUZHU_LOGIN_LOCK_MINUTES)
                user.failed_logins = 0
            User.objects.filter(pk=user.pk).update(
                failed_logins=user.failed_logins, locked_until=user.locked_until
            )
            return None
        if user.failed_logins or user.locked_until:
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        return authenticated
