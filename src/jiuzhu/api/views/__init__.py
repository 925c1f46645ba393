"""REST API for the registry: parse, call one service or selector, format.

Area scope: a household or person outside the caller's region subtree answers 404 with
the same body as an id that does not exist. Roles that may not view households see empty
lists and 404s; roles that may not edit get 403 on every write, before any lookup.
ID numbers travel only in bodies, masked by the caller's role, never in a URL.

One module per resource; ``base`` holds what they share (authentication, lookups that
answer 404, the OpenAPI error responses and the ``operation`` schema helper).
"""

from jiuzhu.api.views.base import UnknownPathView
from jiuzhu.api.views.households import (
    HouseholdDetailView,
    HouseholdListView,
    HouseholdMembersView,
    HouseholdSearchView,
)
from jiuzhu.api.views.persons import PersonDetailView, PersonLeaveView, PersonMoveView
from jiuzhu.api.views.records import (
    HouseholdAssetDetailView,
    HouseholdAssetsView,
    HouseholdIncomeDetailView,
    HouseholdIncomesView,
)
from jiuzhu.api.views.regions import RegionListView
from jiuzhu.api.views.sharing import (
    SharedCasesView,
    SharedChildrenView,
    SharedPaymentsView,
    SharedRecipientsView,
    SharedReportsView,
)
from jiuzhu.api.views.tokens import TokenView

__all__ = [
    "HouseholdAssetDetailView",
    "HouseholdAssetsView",
    "HouseholdDetailView",
    "HouseholdIncomeDetailView",
    "HouseholdIncomesView",
    "HouseholdListView",
    "HouseholdMembersView",
    "HouseholdSearchView",
    "PersonDetailView",
    "PersonLeaveView",
    "PersonMoveView",
    "RegionListView",
    "SharedCasesView",
    "SharedChildrenView",
    "SharedPaymentsView",
    "SharedRecipientsView",
    "SharedReportsView",
    "TokenView",
    "UnknownPathView",
]
