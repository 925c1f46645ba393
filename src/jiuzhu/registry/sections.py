"""The household page shows every programme's history, but the registry does not depend
on the programmes: each app that knows something about a household registers a provider
here (in its AppConfig.ready), and the page collects what they return."""

from collections.abc import Callable
from dataclasses import dataclass, field

from jiuzhu.core.models import User
from jiuzhu.registry.models import Household


@dataclass
class Entry:
    """One line in a programme's section: a case, a decision, a payment, a report."""

    programme: str  # a Programme value, or "" for sections outside the programmes
    title: str
    url: str = ""
    lines: list[str] = field(default_factory=list)
    section: str = ""  # heading for entries outside the programmes (e.g. 核对报告, 通知)


Provider = Callable[[User, Household], list[Entry]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def collect(user: User, household: Household) -> list[Entry]:
    return [entry for provider in _providers for entry in provider(user, household)]
