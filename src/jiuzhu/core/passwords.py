"""Password rules with messages in Chinese (Django's own minimum-length message has no
zh-Hans translation and would reach the page in English)."""

from typing import Any

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError


class MinimumLength(MinimumLengthValidator):
    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                f"密码太短，至少需要 {self.min_length} 个字符。", code="password_too_short"
            )

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"


class Argon2Hasher(Argon2PasswordHasher):
    """Argon2id at OWASP's recommended minimum (19 MiB, two passes, one lane) instead of
    Django's 100 MiB over eight lanes: a sign-in then costs tens of milliseconds of one
    core, not hundreds of milliseconds of every core, so a password spray cannot starve the
    staff signing in beside it. Stored hashes with other parameters still verify and are
    rehashed at the next sign-in."""

    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
