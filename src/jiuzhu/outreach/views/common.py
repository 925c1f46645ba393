"""What the outreach pages share: the access-log channel, a household found by its number."""

from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AccessLog, User
from jiuzhu.registry import selectors as registry
from jiuzhu.registry.models import Household

PAGE = AccessLog.Channel.PAGE


def household_numbered(user: User, number: str) -> Household:
    """The household of the area with the number typed, or the refusal saying so."""
    household = registry.household_by_number(user, number)
    if household is None:
        raise DomainError("本辖区没有该户编号的家庭档案。", field="household_number")
    return household
