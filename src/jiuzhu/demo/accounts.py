"""Demo staff accounts: one per role at a fixed username, plus staff for every town and village.

All share DEMO_PASSWORD. Usernames are pinyin of the place: the assistant of 东阿镇 is
`donge_assistant`, the coordinator of village 370124102201 is `donge_201`. The accounts that
must sign in with two factors share one authenticator key, DEMO_TOTP_KEY (documented in the
README, to type into an authenticator app); `jiuzhu demo_code USERNAME` prints its code.
"""

import re
from base64 import b32decode
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypinyin import lazy_pinyin

from jiuzhu.cases import services
from jiuzhu.cases.models import Case
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.roles import Role, two_factor_required

DEMO_PASSWORD = "jiuzhu-demo-2026"
# Base32, as authenticator apps take a key typed in; public, so demo accounts only.
DEMO_TOTP_KEY = "JIUZHUDEMOKEY234JIUZHUDEMOKEY234"
DEMO_TOTP_KEY_HEX = b32decode(DEMO_TOTP_KEY).hex()
DEMO_AUTHENTICATOR = "演示身份验证器"
MAIN_TOWN_NAME = "东阿镇"
DEPARTMENT = "人力资源和社会保障局"
# The department whose officer decides the applications the towns dispatch to it.
HANDLER_DEPARTMENT = "县人力资源和社会保障局"
_TOWN_SUFFIX = re.compile(r"(街道|镇|乡)$")


@dataclass(frozen=True)
class DemoAccount:
    """One demo staff account: its username, role, region and (for a department) its name."""

    username: str
    role: str
    region: Region
    department: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.region.name}{Role(self.role).label}"


def town_slug(town: Region) -> str:
    """东阿镇 → donge; 洪范池镇 → hongfanchi."""
    letters = "".join(lazy_pinyin(_TOWN_SUFFIX.sub("", town.name)))
    return re.sub(r"[^a-z]", "", letters.lower()) or f"t{town.code[6:9]}"


def town_pair(town: Region) -> tuple[User, User] | None:
    """The town's assistant and approver, when the town has both (the demo's hand-made
    records go through the services as these two)."""
    staff = {
        user.role: user
        for user in User.objects.filter(
            region=town, role__in=[Role.TOWN_ASSISTANT, Role.TOWN_APPROVER], is_active=True
        )
    }
    if Role.TOWN_ASSISTANT in staff and Role.TOWN_APPROVER in staff:
        return staff[Role.TOWN_ASSISTANT], staff[Role.TOWN_APPROVER]
    return None


def accepted_visited_approved(assistant: User, approver: User, case: Case, findings: str) -> None:
    """A signed application taken through as a town does: accepted, investigated with a
    home visit by two staff, approved by the second person."""
    services.accept(assistant, case, case.version)
    services.start_investigation(assistant, case, case.version)
    services.record_home_visit(
        assistant,
        case,
        case.version,
        services.HomeVisitInput(
            visited_on=timezone.localdate(),
            second_staff="李协理员",
            findings=findings,
            checklist={"members_confirmed": True, "housing_checked": True},
            household_signed=True,
        ),
    )
    services.complete_investigation(assistant, case, case.version)
    services.approve(approver, case, case.version)


def _towns() -> list[Region]:
    return list(Region.objects.filter(level=RegionLevel.TOWN).order_by("code"))


def _slugs(towns: list[Region]) -> dict[int, str]:
    """Each town's username prefix by town id, unique even where two pinyins coincide."""
    slugs: dict[int, str] = {}
    taken: set[str] = set()
    for town in towns:
        slug = town_slug(town)
        if slug in taken:  # two towns with the same pinyin: keep the code to tell them apart
            slug = f"{slug}{town.code[6:9]}"
        taken.add(slug)
        slugs[town.pk] = slug
    return slugs


def main_accounts() -> list[DemoAccount]:
    """The accounts to try each role, as listed in the README (needs the region tree)."""
    county = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code").first()
    towns = _towns()
    if county is None or not towns:
        return []
    town = next((t for t in towns if t.name == MAIN_TOWN_NAME), towns[0])
    slug = _slugs(towns)[town.pk]
    village = town.children.order_by("code").first()
    accounts = [
        DemoAccount("county_admin", Role.COUNTY_ADMIN, county),
        DemoAccount("county_supervisor", Role.COUNTY_SUPERVISOR, county),
        DemoAccount(f"{slug}_assistant", Role.TOWN_ASSISTANT, town),
        DemoAccount(f"{slug}_approver", Role.TOWN_APPROVER, town),
    ]
    if village is not None:
        stem = f"{slug}_{village.code[9:]}"
        accounts += [
            DemoAccount(stem, Role.VILLAGE_COORDINATOR, village),
            DemoAccount(f"{stem}_grid", Role.GRID_WORKER, village),
            DemoAccount(f"{stem}_volunteer", Role.VOLUNTEER, village),
        ]
    accounts += [
        DemoAccount("dept_officer", Role.DEPARTMENT_OFFICER, county, DEPARTMENT),
        DemoAccount("dept_handler", Role.DEPARTMENT_HANDLER, county, HANDLER_DEPARTMENT),
        DemoAccount("social_worker", Role.SOCIAL_WORKER, county),
        DemoAccount("auditor", Role.AUDITOR, county),
    ]
    return accounts


def all_accounts() -> list[DemoAccount]:
    """The main accounts, then an assistant and an approver per town, a coordinator per village."""
    accounts = {a.username: a for a in main_accounts()}
    towns = _towns()
    slugs = _slugs(towns)
    villages = Region.objects.filter(level=RegionLevel.VILLAGE, parent__in=towns).order_by("code")
    by_town: dict[int, list[Region]] = {}
    for village in villages:
        assert village.parent_id is not None
        by_town.setdefault(village.parent_id, []).append(village)
    for town in towns:
        slug = slugs[town.pk]
        for role, suffix in ((Role.TOWN_ASSISTANT, "assistant"), (Role.TOWN_APPROVER, "approver")):
            accounts.setdefault(f"{slug}_{suffix}", DemoAccount(f"{slug}_{suffix}", role, town))
        for village in by_town.get(town.pk, []):
            name = f"{slug}_{village.code[9:]}"
            accounts.setdefault(name, DemoAccount(name, Role.VILLAGE_COORDINATOR, village))
    return list(accounts.values())


def create_staff() -> int:
    """Create the demo accounts that do not exist yet; returns how many were created."""
    wanted = all_accounts()
    existing = set(
        User.objects.filter(username__in=[a.username for a in wanted]).values_list(
            "username", flat=True
        )
    )
    missing = [a for a in wanted if a.username not in existing]
    if not missing:
        return 0
    # One hash for everyone: Argon2 is deliberately slow, and the password is the same.
    password = make_password(DEMO_PASSWORD)
    users = [
        User(
            username=a.username,
            password=password,
            role=a.role,
            region=a.region,
            department=a.department,
            first_name=a.display_name,
        )
        for a in missing
    ]
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=500)
    return len(users)


def create_authenticators() -> int:
    """Give the demo accounts that must use two factors the demo's authenticator (when they
    have none); returns how many were given one."""
    usernames = [a.username for a in all_accounts()]
    users = User.objects.filter(username__in=usernames).exclude(totpdevice__isnull=False)
    devices = [
        TOTPDevice(user=user, name=DEMO_AUTHENTICATOR, key=DEMO_TOTP_KEY_HEX, confirmed=True)
        for user in users
        if two_factor_required(user)
    ]
    TOTPDevice.objects.bulk_create(devices, batch_size=500)
    return len(devices)


def demo_authenticator(username: str) -> TOTPDevice | None:
    """The demo's authenticator of a demo account, or None for any other account."""
    if username not in {a.username for a in all_accounts()}:
        return None
    return TOTPDevice.objects.filter(
        user__username=username, key=DEMO_TOTP_KEY_HEX, confirmed=True
    ).first()


def accounts_table() -> list[tuple[str, str, str]]:
    """(role, username, region) of the main accounts, for the README and the command's output."""
    rows = []
    for account in main_accounts():
        where = account.region.full_name
        if account.department:
            where += f"（{account.department}）"
        rows.append((str(Role(account.role).label), account.username, where))
    return rows
