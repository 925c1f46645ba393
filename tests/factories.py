"""Factories for tests: regions of the demo county, staff, households."""

import datetime as dt
import itertools

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiuzhu.core import idnumber
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.roles import Role
from jiuzhu.registry import services
from jiuzhu.registry.models import (
    Household,
    HukouType,
    Person,
    PovertyKind,
    PovertyListing,
    Relation,
)

PASSWORD = "correct-horse-battery"
_sequence = itertools.count(1)


def region(code: str, name: str, level: str, parent: Region | None = None) -> Region:
    obj, _ = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    return obj


def county() -> Region:
    return region("370124000000", "平阴县", RegionLevel.COUNTY)


def town(code9: str = "370124102", name: str = "东阿镇") -> Region:
    return region(code9 + "000", name, RegionLevel.TOWN, county())


def village(town_region: Region | None = None, number: int = 201, name: str = "") -> Region:
    town_region = town_region or town()
    code = town_region.code[:9] + f"{number:03d}"
    return region(code, name or f"{town_region.name}{number}村", RegionLevel.VILLAGE, town_region)


def user(role: str = Role.TOWN_ASSISTANT, region_obj: Region | None = None, **extra) -> User:
    n = next(_sequence)
    obj = User.objects.create_user(
        username=extra.pop("username", f"{role}{n}"),
        password=PASSWORD,
        role=role,
        region=region_obj or town(),
        **extra,
    )
    return obj


def authenticator(user: User) -> TOTPDevice:
    """The user's confirmed authenticator app (made with a random key when missing)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)


def pass_second_step(client: Client, user: User) -> None:
    """Mark the client's signed-in session as verified by the user's authenticator, as
    django_otp.login does after a right code."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()


def id_number(birth: dt.date = dt.date(1970, 5, 17), sex: str = "M", region_code="370124") -> str:
    n = next(_sequence)
    sequence = (n * 2 + (1 if sex == "M" else 0)) % 1000
    return idnumber.make(region_code, birth, sequence)


def member(
    relation: str = Relation.HEAD,
    name: str = "张三",
    residence: Region | None = None,
    **extra,
) -> services.MemberInput:
    return services.MemberInput(
        id_number=extra.pop("id_number", None) or id_number(),
        name=name,
        relation=relation,
        residence_region=residence or village(),
        hukou_type=extra.pop("hukou_type", HukouType.RURAL),
        **extra,
    )


def household(
    actor: User | None = None,
    village_region: Region | None = None,
    members: list[services.MemberInput] | None = None,
    **extra,
) -> Household:
    village_region = village_region or village()
    actor = actor or user(Role.COUNTY_ADMIN, county())
    members = members or [member(residence=village_region)]
    poor = extra.pop("registered_poor", False)
    created = services.create_household(
        actor,
        services.HouseholdInput(
            registered_region=village_region,
            residence_region=extra.pop("residence_region", village_region),
            area_type=extra.pop("area_type", HukouType.RURAL),
            members=members,
            **extra,
        ),
    )
    if poor:
        listed_poor(created)
    return created


def listed_poor(household_obj: Household, since: dt.date = dt.date(2016, 1, 1)) -> None:
    """The household as on the bureau's list (what an imported list does, without one)."""
    PovertyListing.objects.create(
        household=household_obj, kind=PovertyKind.REGISTERED_POOR, since=since, source="测试"
    )
    Household.objects.filter(pk=household_obj.pk).update(registered_poor=True)
    household_obj.registered_poor = True


# --- shared by the cases, payments and policy tests ---------------------------------------


def born(
    relation: str, name: str, residence: Region, birth: dt.date, sex: str = "M", **extra
) -> services.MemberInput:
    """A member born on ``birth`` (the ID number encodes the date and the sex)."""
    return member(relation, name, residence, id_number=id_number(birth, sex), **extra)


def household_with_incomes(
    actor: User,
    village_region: Region,
    members: list[services.MemberInput],
    incomes: tuple[tuple[str, str], ...] = (),
    **extra,
) -> Household:
    """A household of these members, with (income category, monthly yuan) incomes registered."""
    created = household(actor, village_region, members=members, **extra)
    for category, monthly_yuan in incomes:
        services.add_income(actor, created, category, monthly_yuan)
    return created


def head_of(household_obj: Household) -> Person:
    """The household's current head."""
    return household_obj.memberships.get(relation=Relation.HEAD, end_date__isnull=True).person


def staff_of(town_region: Region, other_town: Region, village_region: Region, prefix: str):
    """The staff a workflow test needs: the town's assistant and approver, another town's
    pair (who must not reach this town's records), the village coordinator, and the
    county's administrator and auditor. Usernames start with ``prefix``."""
    county_region = county()
    return {
        "assistant": user(Role.TOWN_ASSISTANT, town_region, username=f"{prefix}assistant"),
        "approver": user(Role.TOWN_APPROVER, town_region, username=f"{prefix}approver"),
        "other_assistant": user(
            Role.TOWN_ASSISTANT, other_town, username=f"{prefix}other_assistant"
        ),
        "other_approver": user(Role.TOWN_APPROVER, other_town, username=f"{prefix}other_approver"),
        "coordinator": user(
            Role.VILLAGE_COORDINATOR, village_region, username=f"{prefix}coordinator"
        ),
        "admin": user(Role.COUNTY_ADMIN, county_region, username=f"{prefix}admin"),
        "auditor": user(Role.AUDITOR, county_region, username=f"{prefix}auditor"),
    }
