"""API tokens: issued hashed, expiring, scoped, and revoked whenever the owner's standing
changes (logout, password change, lock, deactivation) or an administrator says so.

The clear token (``jz_`` + 43 random characters) is returned once by ``issue_token``; the
database keeps only its SHA-256 (a random 256-bit secret needs no slow hash). The scopes
narrow what the owner's role allows: a read token may not write even for an editor.
"""

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import ApiToken, TokenScope, User
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability, Role, role_can
from jiuzhu.core.services import record_audit

if TYPE_CHECKING:
    # Only for the annotation: rest_framework.views reads the default authentication
    # classes (this module) when imported.
    from rest_framework.views import APIView

TOKEN_PREFIX = "jz_"
INVALID = "认证令牌无效。"
EXPIRED = "认证令牌已过期，请重新申请。"
# Record a use at most this often: a read must not write on every request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)

# The capability a role needs for each scope; None: any staff member (reads are scoped by
# the selectors: a role that may not view households reads an empty list).
SCOPE_NEEDS: dict[TokenScope, Capability | None] = {
    TokenScope.READ: None,
    TokenScope.WRITE: Capability.EDIT_HOUSEHOLDS,
    TokenScope.CALCULATE: None,
}
# A department's data (api/views/sharing.py) is never asked for: a county administrator
# grants these to a department officer's token (issue_partner_token), so each department
# reads what it was granted and nothing else.
PARTNER_SCOPES = tuple(scope for scope in TokenScope if scope not in SCOPE_NEEDS)
PARTNER_ONLY = "共享数据的权限范围由县级管理员授予部门数据专员，不能自行申请。"
# Asked for no scope, a token may read and calculate (writing must be asked for).
DEFAULT_SCOPES = (TokenScope.READ, TokenScope.CALCULATE)


def token_digest(clear: str) -> str:
    return hashlib.sha256(clear.encode()).hexdigest()


def _role_allows(user: User, scope: TokenScope) -> bool:
    # The role alone: the area (and whether the user has one) is checked on every request.
    if scope in PARTNER_SCOPES:
        return False
    needed = SCOPE_NEEDS[scope]
    return needed is None or role_can(user.role, needed)


def allowed_scopes(user: User) -> list[str]:
    """Every scope the user's role allows (the test clients' tokens carry these)."""
    return [scope.value for scope in TokenScope if _role_allows(user, scope)]


def issue_token(user: User, scopes: list[str] | None = None) -> tuple[ApiToken, str]:
    """A new token for the user and its clear text (shown once); scopes beyond the role are
    refused, no scope asked gives the defaults the role allows."""
    if scopes is None:
        chosen = [scope.value for scope in DEFAULT_SCOPES if _role_allows(user, scope)]
    elif any(TokenScope(scope) in PARTNER_SCOPES for scope in scopes):
        raise DomainError(PARTNER_ONLY, field="scopes")
    else:
        beyond = [
            TokenScope(scope) for scope in scopes if not _role_allows(user, TokenScope(scope))
        ]
        if beyond:
            names = "、".join(str(scope.label) for scope in beyond)
            raise DomainError(f"您的角色不能申请以下权限范围：{names}。", field="scopes")
        chosen = [scope.value for scope in TokenScope if scope.value in scopes]
    return _new_token(user, chosen)


def issue_partner_token(actor: User, officer: User, scopes: list[str]) -> tuple[ApiToken, str]:
    """A county administrator grants a department officer of their area a token for that
    department's shared data (audited); the clear token is handed over once."""
    require(actor, Capability.MANAGE_SECURITY)
    if officer.region is None or not officer.region.code.startswith(actor.scope_prefix):
        raise DomainError("未找到该工作人员。", field="officer")
    if officer.role != Role.DEPARTMENT_OFFICER or not officer.is_active:
        raise DomainError("共享数据的令牌只发给在职的部门数据专员。", field="officer")
    chosen = [scope.value for scope in PARTNER_SCOPES if scope.value in scopes]
    if not scopes or len(chosen) != len(set(scopes)):
        names = "、".join(str(scope.label) for scope in PARTNER_SCOPES)
        raise DomainError(f"请从以下共享权限范围中选择：{names}。", field="scopes")
    token, clear = _new_token(officer, chosen)
    record_audit(
        actor,
        "issue_partner_token",
        token,
        {"owner": officer.username, "scopes": token.scopes},
    )
    return token, clear


def _new_token(user: User, chosen: list[str]) -> tuple[ApiToken, str]:
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        digest=token_digest(clear),
        scopes=chosen,
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.JIUZHU_API_TOKEN_DAYS),
    )
    return token, clear


def revoke_tokens(user: User, reason: str) -> int:
    """Revoke every live token of the user; how many were revoked."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )


def revoke_token(actor: User, token_id: int) -> ApiToken:
    """An administrator revokes one token of a user in their area (audited)."""
    require(actor, Capability.MANAGE_SECURITY)
    token = tokens_in_scope(actor).filter(pk=token_id).first()
    if token is None:
        raise DomainError("未找到该令牌。")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_reason = ApiToken.Revocation.ADMIN
        token.save(update_fields=["revoked_at", "revoked_reason"])
        record_audit(actor, "revoke_token", token, {"owner": token.user.username})
    return token


def tokens_in_scope(user: User) -> Any:
    """The tokens of staff in the user's area, newest first, with their owners."""
    return ApiToken.objects.select_related("user", "user__region").filter(
        user__region__code__startswith=user.scope_prefix
    )


# --- requests ---------------------------------------------------------------------------


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <token>``: a live, unexpired token of an active user."""

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        now = timezone.now()
        token = (
            ApiToken.objects.select_related("user")
            .filter(digest=token_digest(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise AuthenticationFailed(INVALID)
        if token.expires_at <= now:
            raise AuthenticationFailed(EXPIRED)
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


class HasTokenScope(BasePermission):
    """A token request needs the view's ``token_scope``, or else registry read for reads and
    registry write for writes; sessions are not narrowed."""

    message = ""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        default = TokenScope.READ if request.method in SAFE_METHODS else TokenScope.WRITE
        needed = TokenScope(getattr(view, "token_scope", default))
        if needed.value in token.scopes:
            return True
        self.message = f"令牌的权限范围不含“{needed.label}”，不能执行此操作。"
        return False


# --- revocation when the owner's standing changes (connected in core/apps.py) -----------


def revoke_on_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if isinstance(user, User):
        revoke_tokens(user, ApiToken.Revocation.LOGOUT)


def _standing_change(user: User) -> str | None:
    """Why the tokens of the user about to be saved must go, or None."""
    before = User.objects.filter(pk=user.pk).values("password", "is_active", "locked_until")
    old = before.first()
    if old is None:
        return None
    if old["is_active"] and not user.is_active:
        return ApiToken.Revocation.DEACTIVATED
    now = timezone.now()
    was_locked = old["locked_until"] is not None and old["locked_until"] > now
    if not was_locked and user.locked_until is not None and user.locked_until > now:
        return ApiToken.Revocation.LOCKED
    if old["password"] != user.password:
        # A rehash at login (stronger hasher settings) keeps the same password.
        raw = getattr(user, "_password", None)
        if raw is None or not check_password(raw, old["password"]):
            return ApiToken.Revocation.PASSWORD
    return None


def note_standing_change(sender: type[Model], instance: User, raw: bool, **kwargs: Any) -> None:
    """pre_save: remember whether this save revokes the user's tokens."""
    if raw or instance.pk is None:
        return
    instance._token_revocation = _standing_change(instance)  # type: ignore[attr-defined]


def revoke_on_standing_change(sender: type[Model], instance: User, **kwargs: Any) -> None:
    """post_save: revoke the tokens when the saved change calls for it."""
    reason = getattr(instance, "_token_revocation", None)
    if reason:
        revoke_tokens(instance, reason)
        instance._token_revocation = None  # type: ignore[attr-defined]
