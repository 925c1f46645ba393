"""PIPL: erasing who a closed household was (cases/retention.py decides which and when)."""

from django.db import transaction

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import User
from jiuzhu.core.permissions import require
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import record_audit
from jiuzhu.registry.models import Household, Person
from jiuzhu.registry.services import Action

ANONYMISED_NAME = "（已匿名化）"
ANONYMISED_ADDRESS = "（已超过保存期限，已匿名化）"


def anonymous_id_number(person: Person) -> str:
    """The placeholder that replaces an anonymised person's ID number: unique (the column
    is), 18 characters like an ID number, and never a valid one (letters)."""
    return f"ANON{person.pk:014d}"


def anonymise_household(actor: User, household: Household, persons: list[Person]) -> None:
    """PIPL: erase who a closed household was (cases/retention.py decides which and when).

    The household keeps its number, regions and type, so that payment history and
    statistics stay; its address becomes a marker, its incomes and assets are deleted, and
    its memberships' reasons are blanked. Each of `persons` (members of the household whom
    nothing else keeps) loses name, ID number and phone; sex, birth date, regions and
    disability stay for the statistics. Saved through the model, so that however the ID
    number is stored, the placeholder is stored the same way."""
    require(actor, Capability.MANAGE_SECURITY)
    members = set(household.memberships.values_list("person_id", flat=True))
    if any(person.pk not in members for person in persons):
        raise DomainError("只能匿名化本户成员。")
    with transaction.atomic():
        household.address = ANONYMISED_ADDRESS
        household.save(update_fields=["address", "updated_at"])
        incomes, _ = household.incomes.all().delete()
        assets, _ = household.assets.all().delete()
        household.memberships.update(end_reason="")
        for person in persons:
            person.id_number = anonymous_id_number(person)
            person.id_suffix = ""
            person.name = ANONYMISED_NAME
            person.name_initials = ""
            person.phone = ""
            person.save()
        record_audit(
            actor,
            Action.ANONYMISE_HOUSEHOLD,
            household,
            {"人员": len(persons), "收入": incomes, "财产": assets},
        )
