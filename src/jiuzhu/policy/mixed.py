"""Mixed households (城乡混合户): members with urban and rural registrations.

Which standard applies is the county's choice, a dated parameter (`household.mixed_rule`,
docs/policy/dibao.md#mixed-households): by the head's registration, by the household's
category of residence (its 城乡类别), or each member by their own registration. The choice is
turned into one per-person column, the area whose standard applies to that member; every
formula reads the standard through it, so the calculator, the cases and the batch jobs apply
the same rule (one household or a million rows).
"""

import numpy as np

from jiuzhu.core.errors import DomainError
from jiuzhu.policy.columns import B, Households, Persons, sum_by

MIXED_RULE = "household.mixed_rule"
HEAD, RESIDENCE, MEMBER = 0, 1, 2
# The parameter's values, as the county enters them on the standards page.
RULES: dict[str, int] = {"按户主": HEAD, "按居住地": RESIDENCE, "按成员": MEMBER}


def rule_code(value: str) -> int:
    """The rule's code from the parameter's value; an unknown value is refused."""
    try:
        return RULES[value]
    except KeyError:
        raise DomainError(
            f"城乡混合户标准的确定方式应为{'、'.join(RULES)}之一。", field="value"
        ) from None


def applied_urban(households: Households, persons: Persons, rule: int) -> B:
    """Per person: whether the urban standard applies to the member. By the head, a household
    without a current head falls back to its category of residence."""
    if rule == MEMBER:
        return persons.urban
    by_household = households.urban
    if rule == HEAD:
        n = households.n
        has_head = sum_by(persons.hh, persons.head, n) > 0
        head_urban = sum_by(persons.hh, persons.head & persons.urban, n) > 0
        by_household = np.where(has_head, head_urban, households.urban)
    return by_household[persons.hh]


def is_mixed(households: Households, persons: Persons) -> B:
    """Per household: members hold both urban and rural registrations."""
    n = households.n
    urban = sum_by(persons.hh, persons.urban, n)
    return (urban > 0) & (urban < np.bincount(persons.hh, minlength=n))
