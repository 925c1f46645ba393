"""What every registry endpoint shares: authentication and roles, the lookups that answer
404 outside the caller's area, the formatted detail responses, and the OpenAPI pieces."""

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.fields import empty
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from jiuzhu.api import serializers as s
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AccessLog, User
from jiuzhu.core.rest.parsers import ChineseJSONParser
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import log_access
from jiuzhu.core.tokens import ApiTokenAuthentication, HasTokenScope
from jiuzhu.registry import selectors
from jiuzhu.registry.models import Household, Membership, Person

NOT_FOUND = "未找到该记录。"

F = TypeVar("F", bound=Callable[..., Any])
FoundT = TypeVar("FoundT")


# --- plumbing -------------------------------------------------------------------------


def staff(request: Request) -> User:
    """The authenticated staff user (IsAuthenticated has run; this narrows the type)."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("请先登录。")
    return user


class CanEditHouseholds(BasePermission):
    """Reads pass (scoping happens in selectors); writes need EDIT_HOUSEHOLDS."""

    message = "无权编辑家庭档案。"

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        return isinstance(user, User) and user.can(Capability.EDIT_HOUSEHOLDS)


class Pagination(LimitOffsetPagination):
    """limit and offset as the schema declares them (PAGING): whole numbers in range, given
    once; anything else ("null", "-1", "5.0", a repeat) is a Chinese 400, never ignored."""

    default_limit = 50
    max_limit = 500

    def _number(self, request: Request, name: str, low: int, high: int | None) -> int | None:
        values = request.query_params.getlist(name)
        if not values:
            return None
        value = values[0]
        in_range = f"{low}-{high}" if high is not None else f"不小于{low}"
        if len(values) > 1 or not value.isascii() or not value.isdigit():
            raise ValidationError({name: [f"应为整数（{in_range}），且只给一次。"]})
        number = int(value)
        if number < low or (high is not None and number > high):
            raise ValidationError({name: [f"应为{in_range}的整数。"]})
        return number

    def get_limit(self, request: Request) -> int:
        limit = self._number(request, self.limit_query_param, 1, self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request: Request) -> int:
        return self._number(request, self.offset_query_param, 0, MAX_OFFSET) or 0

    def check(self, request: Request) -> None:
        """Refuse bad paging parameters before any work (also where they are not used)."""
        self.get_limit(request)
        self.get_offset(request)


MAX_OFFSET = 10_000_000
PAGING = [
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": Pagination.max_limit},
        description=f"每页条数（默认{Pagination.default_limit}，最多{Pagination.max_limit}）",
    ),
    OpenApiParameter(
        "offset",
        {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
        description="跳过的条数",
    ),
]


@dataclasses.dataclass
class PersonFile:
    """What the person endpoints show: the person, the current membership, the history."""

    person: Person
    membership: Membership | None
    memberships: list[Membership]


def found(obj: FoundT | None) -> FoundT:
    """An object from a scoped selector, or 404 with the same body whether it is outside
    the caller's area or does not exist."""
    if obj is None:
        raise NotFound(NOT_FOUND)
    return obj


def listing(households: QuerySet[Household]) -> QuerySet[Household]:
    """Households with what a list row shows, in three queries whatever the page size."""
    current = Prefetch(
        "memberships",
        queryset=Membership.objects.filter(end_date__isnull=True).select_related("person"),
        to_attr="current_memberships",
    )
    return households.select_related("registered_region", "residence_region").prefetch_related(
        current
    )


def record_owner(user: User, person_id: int | None) -> Person | None:
    """The person an income or asset belongs to; the service checks they are in the household."""
    if person_id is None:
        return None
    person = selectors.person_for(user, person_id)
    if person is None:
        raise DomainError("所选人员不是本户成员。", field="person")
    return person


class RegistryView(APIView):
    # Base of every registry endpoint: token or session, roles checked, Chinese JSON.

    # Token first: an anonymous caller gets 401 with "WWW-Authenticate: Token".
    # A token's scopes narrow its owner's role (core/tokens.py); the role is told first.
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, CanEditHouseholds, HasTokenScope]
    parser_classes = [ChineseJSONParser]

    def format_context(self, user: User) -> dict[str, Any]:
        return {
            "request": self.request,
            "visibility": user.id_visibility,
            "today": timezone.localdate(),
        }

    def parse(self, serializer_class: type[Serializer[Any]], partial: bool = False) -> Any:
        serializer = serializer_class(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def household(self, user: User, household_id: int) -> Household:
        return found(selectors.household_for(user, household_id))

    def person(self, user: User, person_id: int) -> Person:
        return found(selectors.person_for(user, person_id))

    def household_detail(self, user: User, household_id: int, status_code: int = 200) -> Response:
        file = found(selectors.household_file(user, household_id))
        data = s.HouseholdDetailSerializer(file, context=self.format_context(user)).data
        return Response(data, status=status_code)

    def log_read(self, user: User, kind: str, record_id: int, household_id: int | None) -> None:
        """Record in the access log that the caller read a household or person file."""
        log_access(
            user, AccessLog.Channel.API, kind, record_id, household_id, self.request._request
        )

    def person_detail(self, user: User, person: Person, status_code: int = 200) -> Response:
        history = list(person.memberships.select_related("household").order_by("start_date", "pk"))
        current = next((m for m in history if m.end_date is None), None)
        file = PersonFile(person=person, membership=current, memberships=history)
        data = s.PersonDetailSerializer(file, context=self.format_context(user)).data
        return Response(data, status=status_code)


class UnknownPathView(RegistryView):
    """Any other path under /api/ (e.g. /api/households/abc/): the API's JSON 404, after the
    usual authentication, rather than the site's HTML page. Not in the OpenAPI document."""

    schema = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        raise NotFound(NOT_FOUND)


# --- OpenAPI --------------------------------------------------------------------------

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="输入有误或违反业务规则（中文说明）"),
    401: OpenApiResponse(s.ErrorSerializer, description="未登录或令牌无效"),
    403: OpenApiResponse(s.ErrorSerializer, description="角色无此权限"),
    404: OpenApiResponse(
        s.ErrorSerializer, description="不存在，或不在您的管辖范围内（两者答复相同）"
    ),
}
READ_ERRORS = {code: ERRORS[code] for code in (401, 404)}


def path_id(name: str, description: str) -> OpenApiParameter:
    """An integer id in the URL path."""
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=description)


HOUSEHOLD_ID = path_id("household_id", "户的内部编号（id）")
PERSON_ID = path_id("person_id", "人员的内部编号（id），不是身份证号")


def writes(status_code: int, body: Any) -> dict[int, Any]:
    """Responses of a write: its success and every error."""
    return {status_code: body, **ERRORS}


def reads(body: Any) -> dict[int, Any]:
    """Responses of a read of one record: it, or 401/404."""
    return {200: body, **READ_ERRORS}


def operation(
    operation_id: str,
    tag: str,
    summary: str,
    responses: dict[int, Any],
    *,
    description: str | None = None,
    parameters: Sequence[OpenApiParameter] | None = None,
    request: Any = empty,
    auth: Sequence[str] | None = None,
) -> Callable[[F], F]:
    """The OpenAPI description of one endpoint method (a Chinese tag and summary)."""
    return extend_schema(
        operation_id=operation_id,
        tags=[tag],
        summary=summary,
        description=description,
        parameters=parameters,
        request=request,
        responses=responses,
        auth=auth,
    )
