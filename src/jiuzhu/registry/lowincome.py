"""Low-income standings a household holds outside the programmes: low-income edge
households (低保边缘家庭) and households monitored against returning to poverty (防止返贫
监测对象). The monitoring list that records them is kept by outreach, on the layer of the
apps that act on it (medical), which may not import it; so outreach registers the list here
(in its AppConfig.ready), as the household page's sections do, and a reader gets it as SQL
to join set-based (a million bills' households at once)."""

from collections.abc import Callable

EDGE = "edge"
MONITORED = "monitored"

# SQL giving rows (household_id, standing, since, until): standing EDGE or MONITORED, held
# from `since` up to the day before `until` (NULL: still held).
Source = Callable[[], str]
_sources: list[Source] = []
NONE = (
    "SELECT 0 AS household_id, '' AS standing, CAST(NULL AS DATE) AS since,"
    " CAST(NULL AS DATE) AS until WHERE 1 = 0"
)


def register(source: Source) -> Source:
    if source not in _sources:
        _sources.append(source)
    return source


def standings_sql() -> str:
    """Every registered list as one SELECT (an empty one when none is registered)."""
    return " UNION ALL ".join(source() for source in _sources) or NONE
