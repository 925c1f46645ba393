"""The permission check, in one place: services refuse, pages pretend not to exist.

A service calls `require` (and `require_area` for the region it touches) before it writes;
the REST API turns the `PermissionError` into 403. A page calls `require_page`, which
answers 404 so that a role learns nothing about pages it may not use.
"""

from collections.abc import Callable
from typing import TypeVar

from django.http import Http404, HttpRequest

from jiuzhu.core.models import User
from jiuzhu.core.roles import Capability


def require(user: User, capability: Capability) -> None:
    """Refuse, naming the capability in Chinese, when the user's role lacks it."""
    if not user.can(capability):
        raise PermissionError(f"无权{capability.label}。")


def require_area(user: User, region_code: str) -> None:
    """Refuse when a region lies outside the user's area."""
    if not region_code.startswith(user.scope_prefix):
        raise PermissionError("不在本人管辖区域内。")


def staff(request: HttpRequest) -> User:
    """The signed-in staff member of a request (views run behind `login_required`)."""
    user = request.user
    assert isinstance(user, User)
    return user


FoundT = TypeVar("FoundT")


def found_or_404(obj: FoundT | None) -> FoundT:
    """A page's object from a scoped selector, or 404: an object outside the user's area
    and one that does not exist look the same."""
    if obj is None:
        raise Http404
    return obj


def require_page(request: HttpRequest, capability: Capability) -> User:
    """The request's staff member, or 404 when their role may not use this page."""
    user = staff(request)
    if not user.can(capability):
        raise Http404
    return user


def page_object(
    request: HttpRequest,
    capability: Capability,
    lookup: Callable[..., FoundT | None],
    *keys: int | str,
) -> tuple[User, FoundT]:
    """The request's staff member and what ``lookup(user, *keys)`` (a scoped selector)
    finds: 404 when their role may not use the page or nothing lies in their area."""
    user = require_page(request, capability)
    return user, found_or_404(lookup(user, *keys))
