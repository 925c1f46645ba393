"""Staff accounts, managed by county administrators: create, change role and area,
deactivate and reactivate, reset two-factor sign-in. Offboarding revokes everything at once:
the account is deactivated, its API tokens revoked (core/tokens.py reacts to the save), its
second-factor devices removed and its open web sessions ended."""

import secrets
from dataclasses import dataclass

from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.permissions import require, require_area
from jiuzhu.core.roles import Capability, Role
from jiuzhu.core.selectors import in_area, one_of
from jiuzhu.core.services import record_audit
from jiuzhu.core.two_factor import has_two_factors, remove_devices

# Roles whose area is a town or a village, and the level their region must have.
REGION_LEVEL = {
    Role.COUNTY_ADMIN: RegionLevel.COUNTY,
    Role.COUNTY_SUPERVISOR: RegionLevel.COUNTY,
    Role.AUDITOR: RegionLevel.COUNTY,
    Role.DEPARTMENT_OFFICER: RegionLevel.COUNTY,
    Role.TOWN_ASSISTANT: RegionLevel.TOWN,
    Role.TOWN_APPROVER: RegionLevel.TOWN,
    Role.SOCIAL_WORKER: RegionLevel.TOWN,
    Role.VILLAGE_COORDINATOR: RegionLevel.VILLAGE,
}


@dataclass(frozen=True)
class StaffInput:
    username: str
    name: str
    role: str
    region: Region
    department: str = ""


def staff_in_scope(actor: User) -> QuerySet[User]:
    """The accounts of the administrator's area, by name, each with ``two_factor`` (whether
    it signs in with an authenticator)."""
    authenticator = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (
        User.objects.filter(in_area(actor, "region__code"))
        .select_related("region")
        .annotate(two_factor=Exists(authenticator))
        .order_by("-is_active", "region__code", "first_name", "username")
    )


def staff_member(actor: User, user_id: int | str) -> User | None:
    return one_of(staff_in_scope(actor), user_id)


def _check(actor: User, data: StaffInput) -> None:
    require(actor, Capability.MANAGE_STAFF)
    require_area(actor, data.region.code)
    if data.role not in REGION_LEVEL:
        raise DomainError("请选择角色。", field="role")
    level = REGION_LEVEL[Role(data.role)]
    if data.region.level != level:
        raise DomainError(
            f"“{Role(data.role).label}”的所属区划应为{RegionLevel(level).label}级。", field="region"
        )
    if not data.name.strip():
        raise DomainError("请填写姓名。", field="name")
    if data.role == Role.DEPARTMENT_OFFICER and not data.department.strip():
        raise DomainError("部门数据员须填写所属部门。", field="department")


def create_staff(actor: User, data: StaffInput) -> tuple[User, str]:
    """A new account with a random first password, returned once to hand over in person."""
    _check(actor, data)
    username = data.username.strip()
    if not username or not username.isascii() or not username.replace("_", "").isalnum():
        raise DomainError("用户名只能由字母、数字和下划线组成。", field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError("该用户名已被使用。", field="username")
    first_password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User.objects.create_user(
            username,
            password=first_password,
            first_name=data.name.strip(),
            role=data.role,
            region=data.region,
            department=data.department.strip(),
        )
        record_audit(actor, "create_staff", user, {"角色": user.get_role_display()})
    return user, first_password


def change_staff(actor: User, user: User, data: StaffInput) -> User:
    """Change a colleague's name, role, area or department (not one's own role)."""
    _check(actor, data)
    require_area(actor, user.region.code if user.region else "")
    if user.pk == actor.pk and (data.role != user.role or data.region.pk != user.region_id):
        raise DomainError("不能更改自己的角色或所属区划，请由另一位管理员操作。", field="role")
    before = {"角色": user.get_role_display(), "区划": str(user.region)}
    user.first_name, user.role = data.name.strip(), data.role
    user.region, user.department = data.region, data.department.strip()
    with transaction.atomic():
        user.save()
        after = {"角色": user.get_role_display(), "区划": str(user.region)}
        record_audit(actor, "change_staff", user, {"原": before, "新": after})
    return user


def end_sessions(user: User) -> int:
    """End the user's open web sessions; how many."""
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now())
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def set_active(actor: User, user: User, active: bool) -> User:
    """Deactivate (offboarding: sign-in refused, tokens revoked, sessions ended) or
    reactivate an account."""
    require(actor, Capability.MANAGE_STAFF)
    require_area(actor, user.region.code if user.region else "")
    if user.pk == actor.pk:
        raise DomainError("不能停用自己的账户。")
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])  # tokens are revoked by core/tokens.py
        if not active:
            remove_devices(user)
            end_sessions(user)
        record_audit(actor, "reactivate_staff" if active else "deactivate_staff", user, {})
    return user


def reset_two_factor(actor: User, user: User) -> User:
    """Remove a colleague's authenticator and recovery codes (a lost phone) and end their
    sessions: at the next sign-in they enrol again, if their role requires it."""
    require(actor, Capability.MANAGE_STAFF)
    require_area(actor, user.region.code if user.region else "")
    if user.pk == actor.pk:
        raise DomainError("不能重置自己的两步验证，请由另一位管理员操作。")
    if not has_two_factors(user):
        raise DomainError("该账户没有启用两步验证，无需重置。")
    with transaction.atomic():
        remove_devices(user)
        end_sessions(user)
        record_audit(actor, "reset_two_factor", user, {})
    return user


def reset_password(actor: User, user: User) -> str:
    """A forgotten password: a new random one, returned once to hand over in person; the
    old one stops working, and with it the colleague's sessions and API tokens (revoked by
    core/tokens.py on the password's change)."""
    require(actor, Capability.MANAGE_STAFF)
    require_area(actor, user.region.code if user.region else "")
    if user.pk == actor.pk:
        raise DomainError("不能在这里重置自己的密码，请使用“修改密码”。")
    if not user.is_active:
        raise DomainError("该账户已停用，请先恢复再重置密码。")
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        end_sessions(user)
        record_audit(actor, "reset_password", user, {})
    return password
