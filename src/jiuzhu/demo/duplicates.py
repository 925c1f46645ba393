"""Duplicates and staff alerts in the demo county: a few persons registered a second time in
another household (the same name and birth date; the same name and an ID number one birth
digit apart), one of them on the provincial list of another county; the nightly scan run
once; and the staff alerts of the day (one town assistant takes them as a daily digest)."""

import datetime as dt
import random
from dataclasses import dataclass

from jiuzhu.core import idnumber
from jiuzhu.core.models import User
from jiuzhu.core.roles import Role
from jiuzhu.oversight.models import AlertPreference, SmsMode
from jiuzhu.oversight.staff_alerts.delivery import produce
from jiuzhu.registry import services
from jiuzhu.registry.duplicates.job import scan_registry
from jiuzhu.registry.duplicates.merge import flag_registered_elsewhere
from jiuzhu.registry.inputs import MemberInput
from jiuzhu.registry.models import Membership, Person, Relation

PAIRS = 4  # twice each kind
OTHER_COUNTY = "370102"  # 历下区: the provincial list's other county


@dataclass
class DuplicatesDemo:
    pairs: int
    flagged: int
    alerts: int


def _one_digit_later(born: dt.date) -> dt.date:
    """A birth date one digit apart that is still a date (the day's last digit ±1)."""
    return born + dt.timedelta(days=1 if born.day % 10 in (1, 2, 3, 4, 5, 6, 7) else -1)


def _twin(actor: User, original: Person, household_id: int, one_digit: bool) -> Person:
    """The same person registered again, as a child of another household."""
    number = original.id_number
    born = _one_digit_later(original.birth_date) if one_digit else original.birth_date
    sequence = int(number[14:17]) if one_digit else (int(number[14:17]) + 2) % 1000
    twin_number = idnumber.make(number[:6], born, sequence)
    household = Membership.objects.get(
        household_id=household_id, relation=Relation.HEAD, end_date__isnull=True
    ).household
    return services.add_member(
        actor,
        household,
        MemberInput(
            id_number=twin_number,
            name=original.name,
            relation=Relation.OTHER,
            residence_region=household.residence_region,
            hukou_type=original.hukou_type,
        ),
    )


def seed_demo(seed: int = 21) -> DuplicatesDemo:
    rng = random.Random(seed)
    admin = User.objects.filter(role=Role.COUNTY_ADMIN).order_by("pk").first()
    if admin is None:
        return DuplicatesDemo(0, 0, 0)
    heads = list(
        Membership.objects.filter(relation=Relation.HEAD, end_date__isnull=True)
        .order_by("pk")
        .values_list("person_id", "household_id")[:400]
    )
    picked = rng.sample(heads, min(2 * PAIRS, len(heads)))
    twins = []
    for i in range(0, len(picked) - 1, 2):
        (person_id, _), (_, other_household) = picked[i], picked[i + 1]
        original = Person.objects.get(pk=person_id)
        twins.append(_twin(admin, original, other_household, one_digit=(i // 2) % 2 == 1))
    flagged = flag_registered_elsewhere(
        [(twins[0].pk, OTHER_COUNTY, dt.date.today().replace(day=1))] if twins else []
    )
    found = scan_registry()
    assistant = User.objects.filter(role=Role.TOWN_ASSISTANT).order_by("pk").first()
    if assistant is not None:
        AlertPreference.objects.update_or_create(
            user=assistant, defaults={"sms": SmsMode.DIGEST, "phone": "13800000000"}
        )
    alerts = produce()
    return DuplicatesDemo(found["pairs"], flagged, alerts["alerts"])
