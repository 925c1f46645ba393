"""REST API for the registry: parse, call one service or selector, format.

Area scope: a household or person outside the caller's region subtree answers 404 with
the same body as an id that does not exist. Roles that may not view households see empty
lists and 404s; roles that may not edit get 403 on every write, before any lookup.
ID numbers travel only in bodies, masked by the caller's role, never in a URL.
"""

import dataclasses
import re
from typing import Any

from django.contrib.auth import authenticate
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from jiuzhu.api import serializers as s
from jiuzhu.core.auth import AccountLocked
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import AccessLog, RegionLevel, User
from jiuzhu.core.rest.parsers import ChineseJSONParser
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import regions_in_scope
from jiuzhu.core.services import log_access
from jiuzhu.registry import selectors, services
from jiuzhu.registry.models import Household, Membership, Person

NOT_FOUND = "未找到该记录。"
# Longer digit runs than this are (part of) an ID number and do not belong in a URL.
MAX_DIGITS_IN_URL = 6
_LONG_DIGITS = re.compile(rf"\d{{{MAX_DIGITS_IN_URL + 1},}}")


# --- plumbing -------------------------------------------------------------------------


def staff(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):  # IsAuthenticated has run; this narrows the type
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
    default_limit = 50
    max_limit = 500


@dataclasses.dataclass
class PersonFile:
    """What the person endpoints show: the person, the current membership, the history."""

    person: Person
    membership: Membership | None
    memberships: list[Membership]


def _listing(households: QuerySet[Household]) -> QuerySet[Household]:
    """Households with what a list row shows, in three queries whatever the page size."""
    current = Prefetch(
        "memberships",
        queryset=Membership.objects.filter(end_date__isnull=True).select_related("person"),
        to_attr="current_memberships",
    )
    return households.select_related("registered_region", "residence_region").prefetch_related(
        current
    )


class RegistryView(APIView):
    # Token first: an anonymous caller gets 401 with "WWW-Authenticate: Token".
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, CanEditHouseholds]
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
        household = selectors.household_for(user, household_id)
        if household is None:
            raise NotFound(NOT_FOUND)
        return household

    def person(self, user: User, person_id: int) -> Person:
        person = selectors.person_for(user, person_id)
        if person is None:
            raise NotFound(NOT_FOUND)
        return person

    def household_detail(self, user: User, household_id: int, status_code: int = 200) -> Response:
        file = selectors.household_file(user, household_id)
        if file is None:
            raise NotFound(NOT_FOUND)
        data = s.HouseholdDetailSerializer(file, context=self.format_context(user)).data
        return Response(data, status=status_code)

    def person_detail(self, user: User, person: Person, status_code: int = 200) -> Response:
        history = list(person.memberships.select_related("household").order_by("start_date", "pk"))
        current = next((m for m in history if m.end_date is None), None)
        file = PersonFile(person=person, membership=current, memberships=history)
        data = s.PersonDetailSerializer(file, context=self.format_context(user)).data
        return Response(data, status=status_code)


ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="输入有误或违反业务规则（中文说明）"),
    401: OpenApiResponse(s.ErrorSerializer, description="未登录或令牌无效"),
    403: OpenApiResponse(s.ErrorSerializer, description="角色无此权限"),
    404: OpenApiResponse(
        s.ErrorSerializer, description="不存在，或不在您的管辖范围内（两者答复相同）"
    ),
}
READ_ERRORS = {k: v for k, v in ERRORS.items() if k in (401, 404)}
HOUSEHOLD_ID = OpenApiParameter(
    "household_id", int, OpenApiParameter.PATH, description="户的内部编号（id）"
)
PERSON_ID = OpenApiParameter(
    "person_id", int, OpenApiParameter.PATH, description="人员的内部编号（id），不是身份证号"
)


# --- regions --------------------------------------------------------------------------


class RegionListView(RegistryView):
    @extend_schema(
        operation_id="regions_list",
        tags=["区划"],
        summary="管辖范围内的区划",
        description="调用者所属区划及其下级区划（县、镇、村），按代码排序，分页。",
        parameters=[
            OpenApiParameter(
                "level",
                str,
                enum=[RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.COUNTY],
                description="只列出某一层级：town（镇、街道）或 village（村、社区）",
            ),
            OpenApiParameter("limit", int, description="每页条数（默认50，最多500）"),
            OpenApiParameter("offset", int, description="跳过的条数"),
        ],
        responses={200: s.RegionPageSerializer, **READ_ERRORS, 400: ERRORS[400]},
    )
    def get(self, request: Request) -> Response:
        user = staff(request)
        level = request.query_params.get("level", "")
        if level and level not in RegionLevel.values:
            raise DomainError("层级应为 town（镇、街道）或 village（村、社区）。", field="level")
        regions = regions_in_scope(user, level or None).select_related("parent").order_by("code")
        paginator = Pagination()
        page = paginator.paginate_queryset(regions, request, view=self) or []
        return paginator.get_paginated_response(s.RegionSerializer(page, many=True).data)


# --- households -----------------------------------------------------------------------


class HouseholdListView(RegistryView):
    @extend_schema(
        operation_id="households_list",
        tags=["家庭档案"],
        summary="家庭列表或查询",
        description=(
            "不带 q：管辖范围内的全部家庭，分页。带 q：按姓名、拼音首字母（如 zs）或身份证号"
            f"后几位查询，最多返回50户，matches 列出命中的成员。为保护个人信息，q 中连续数字"
            f"不得超过{MAX_DIGITS_IN_URL}位；按完整身份证号查询请用 POST /api/households/search/。"
        ),
        parameters=[
            OpenApiParameter("q", str, description="姓名、拼音首字母或身份证号后4-6位"),
            OpenApiParameter("limit", int, description="每页条数（默认50，最多500；不带 q 时）"),
            OpenApiParameter("offset", int, description="跳过的条数（不带 q 时）"),
        ],
        responses={200: s.HouseholdPageSerializer, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def get(self, request: Request) -> Response:
        user = staff(request)
        query = request.query_params.get("q", "").strip()
        if query:
            if _LONG_DIGITS.search(query):
                raise DomainError(
                    f"为保护个人信息，网址中不能包含身份证号（最多输入后{MAX_DIGITS_IN_URL}位）；"
                    "按完整身份证号查询请用 POST /api/households/search/。",
                    field="q",
                )
            return search_response(self, user, query)
        households = _listing(selectors.households_in_scope(user)).order_by("pk")
        paginator = Pagination()
        page = paginator.paginate_queryset(households, request, view=self) or []
        data = s.HouseholdListItemSerializer(page, many=True, context=self.format_context(user))
        return paginator.get_paginated_response(data.data)

    @extend_schema(
        operation_id="households_create",
        tags=["家庭档案"],
        summary="新建家庭档案（含成员）",
        description=(
            "户籍地须在您的管辖范围内，区划均以12位代码填写并选择到村（社区）。成员至少1人、"
            "最多30人，有且只有一名户主；身份证号须有效（含校验码），且此人尚未登记在任何户。"
            "任何一项有误则不保存任何内容。"
        ),
        request=s.HouseholdCreateSerializer,
        responses={201: s.HouseholdDetailSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        user = staff(request)
        data = self.parse(s.HouseholdCreateSerializer)
        members = [services.MemberInput(**m) for m in data.pop("members")]
        household = services.create_household(
            user, services.HouseholdInput(**data, members=members)
        )
        return self.household_detail(user, household.pk, status.HTTP_201_CREATED)


def search_response(view: RegistryView, user: User, query: str) -> Response:
    result = selectors.search(user, query)
    if result.message:
        raise DomainError(result.message, field="q")
    matches: dict[int, list[Membership]] = {}
    for membership in result.memberships:
        matches.setdefault(membership.household_id, []).append(membership)
    found = {
        h.pk: h for h in _listing(selectors.households_in_scope(user).filter(pk__in=list(matches)))
    }
    rows = [found[pk] for pk in matches if pk in found]
    context = {**view.format_context(user), "matches": matches}
    data = s.HouseholdListItemSerializer(rows, many=True, context=context).data
    return Response({"count": len(rows), "next": None, "previous": None, "results": data})


class HouseholdSearchView(RegistryView):
    # A search is a read, though it is a POST: any role that may view households.
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="households_search",
        tags=["家庭档案"],
        summary="按完整身份证号等查询（查询词放在请求正文中）",
        description="与 GET /api/households/?q= 相同，但查询词在请求正文中，可含完整身份证号。",
        request=s.SearchSerializer,
        responses={200: s.HouseholdPageSerializer, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def post(self, request: Request) -> Response:
        user = staff(request)
        data = self.parse(s.SearchSerializer)
        return search_response(self, user, data["q"])


class HouseholdDetailView(RegistryView):
    @extend_schema(
        operation_id="households_retrieve",
        tags=["家庭档案"],
        summary="家庭档案（一户一档）",
        description="现有成员、曾经的成员、收入与财产。每次读取都记入访问日志。",
        parameters=[HOUSEHOLD_ID],
        responses={200: s.HouseholdDetailSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, household_id: int) -> Response:
        user = staff(request)
        response = self.household_detail(user, household_id)
        log_access(
            user,
            AccessLog.Channel.API,
            "household",
            household_id,
            household_id,
            request._request,
        )
        return response

    @extend_schema(
        operation_id="households_partial_update",
        tags=["家庭档案"],
        summary="修改家庭信息",
        description="只修改给出的字段；成员请用成员接口逐一增减。",
        parameters=[HOUSEHOLD_ID],
        request=s.HouseholdUpdateSerializer,
        responses={200: s.HouseholdDetailSerializer, **ERRORS},
    )
    def patch(self, request: Request, household_id: int) -> Response:
        user = staff(request)
        household = self.household(user, household_id)
        data = self.parse(s.HouseholdUpdateSerializer, partial=True)
        current = services.HouseholdInput(
            registered_region=household.registered_region,
            residence_region=household.residence_region,
            area_type=household.area_type,
            address=household.address,
            registered_poor=household.registered_poor,
        )
        services.update_household(user, household, dataclasses.replace(current, **data))
        return self.household_detail(user, household.pk)


class HouseholdMembersView(RegistryView):
    @extend_schema(
        operation_id="households_members_create",
        tags=["家庭档案"],
        summary="增加成员",
        description="身份证号在请求正文中填写；此人不得已登记在任何户；一户只能有一名户主。",
        parameters=[HOUSEHOLD_ID],
        request=s.MemberInputSerializer,
        responses={201: s.PersonDetailSerializer, **ERRORS},
    )
    def post(self, request: Request, household_id: int) -> Response:
        user = staff(request)
        household = self.household(user, household_id)
        data = self.parse(s.MemberInputSerializer)
        person = services.add_member(user, household, services.MemberInput(**data))
        return self.person_detail(user, person, status.HTTP_201_CREATED)


def _record_owner(user: User, person_id: int | None) -> Person | None:
    """The person an income or asset belongs to; the service checks they are in the household."""
    if person_id is None:
        return None
    person = selectors.person_for(user, person_id)
    if person is None:
        raise DomainError("所选人员不是本户成员。", field="person")
    return person


class HouseholdIncomesView(RegistryView):
    @extend_schema(
        operation_id="households_incomes_create",
        tags=["收入与财产"],
        summary="登记收入",
        parameters=[HOUSEHOLD_ID],
        request=s.IncomeInputSerializer,
        responses={201: s.IncomeSerializer, **ERRORS},
    )
    def post(self, request: Request, household_id: int) -> Response:
        user = staff(request)
        household = self.household(user, household_id)
        data = self.parse(s.IncomeInputSerializer)
        income = services.add_income(
            user,
            household,
            data["category"],
            data["monthly_amount"],
            person=_record_owner(user, data.get("person")),
            note=data.get("note", ""),
        )
        return Response(s.IncomeSerializer(income).data, status=status.HTTP_201_CREATED)


class HouseholdIncomeDetailView(RegistryView):
    @extend_schema(
        operation_id="households_incomes_destroy",
        tags=["收入与财产"],
        summary="删除收入记录",
        parameters=[
            HOUSEHOLD_ID,
            OpenApiParameter("income_id", int, OpenApiParameter.PATH, description="收入记录 id"),
        ],
        responses={204: OpenApiResponse(description="已删除"), **ERRORS},
    )
    def delete(self, request: Request, household_id: int, income_id: int) -> Response:
        user = staff(request)
        household = self.household(user, household_id)
        if not household.incomes.filter(pk=income_id).exists():
            raise NotFound(NOT_FOUND)
        services.remove_income(user, household, income_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class HouseholdAssetsView(RegistryView):
    @extend_schema(
        operation_id="households_assets_create",
        tags=["收入与财产"],
        summary="登记财产",
        parameters=[HOUSEHOLD_ID],
        request=s.AssetInputSerializer,
        responses={201: s.AssetSerializer, **ERRORS},
    )
    def post(self, request: Request, household_id: int) -> Response:
        user = staff(request)
        household = self.household(user, household_id)
        data = self.parse(s.AssetInputSerializer)
        asset = services.add_asset(
            user,
            household,
            data["kind"],
            data["value"],
            quantity=data.get("quantity", 1),
            person=_record_owner(user, data.get("person")),
            note=data.get("note", ""),
        )
        return Response(s.AssetSerializer(asset).data, status=status.HTTP_201_CREATED)


class HouseholdAssetDetailView(RegistryView):
    @extend_schema(
        operation_id="households_assets_destroy",
        tags=["收入与财产"],
        summary="删除财产记录",
        parameters=[
            HOUSEHOLD_ID,
            OpenApiParameter("asset_id", int, OpenApiParameter.PATH, description="财产记录 id"),
        ],
        responses={204: OpenApiResponse(description="已删除"), **ERRORS},
    )
    def delete(self, request: Request, household_id: int, asset_id: int) -> Response:
        user = staff(request)
        household = self.household(user, household_id)
        if not household.assets.filter(pk=asset_id).exists():
            raise NotFound(NOT_FOUND)
        services.remove_asset(user, household, asset_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- persons --------------------------------------------------------------------------


class PersonDetailView(RegistryView):
    @extend_schema(
        operation_id="persons_retrieve",
        tags=["人员"],
        summary="人员信息",
        description="现所在户在您管辖范围内的人员。每次读取都记入访问日志。",
        parameters=[PERSON_ID],
        responses={200: s.PersonDetailSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, person_id: int) -> Response:
        user = staff(request)
        person = self.person(user, person_id)
        response = self.person_detail(user, person)
        log_access(
            user,
            AccessLog.Channel.API,
            "person",
            person.pk,
            response.data["household_id"],
            request._request,
        )
        return response

    @extend_schema(
        operation_id="persons_partial_update",
        tags=["人员"],
        summary="修改成员信息",
        description="只修改给出的字段。身份证号不能修改（登记有误请移出后重新登记）。",
        parameters=[PERSON_ID],
        request=s.MemberUpdateSerializer,
        responses={200: s.PersonDetailSerializer, **ERRORS},
    )
    def patch(self, request: Request, person_id: int) -> Response:
        user = staff(request)
        person = self.person(user, person_id)
        data = self.parse(s.MemberUpdateSerializer, partial=True)
        membership = person.memberships.get(end_date__isnull=True)
        current = services.MemberInput(
            id_number=person.id_number,
            name=person.name,
            relation=membership.relation,
            residence_region=person.residence_region,
            hukou_type=person.hukou_type,
            registered_region=person.registered_region,
            phone=person.phone,
            disability_grade=person.disability_grade,
            disability_category=person.disability_category,
            serious_illness=person.serious_illness,
            labour_capacity=person.labour_capacity,
            co_resident=membership.co_resident,
        )
        services.update_member(user, person, dataclasses.replace(current, **data))
        return self.person_detail(user, person)


class PersonMoveView(RegistryView):
    @extend_schema(
        operation_id="persons_move",
        tags=["人员"],
        summary="迁入另一户",
        description="结束现有成员关系并加入目标户（目标户须在管辖范围内），历史保留。",
        parameters=[PERSON_ID],
        request=s.MoveSerializer,
        responses={200: s.PersonDetailSerializer, **ERRORS},
    )
    def post(self, request: Request, person_id: int) -> Response:
        user = staff(request)
        person = self.person(user, person_id)
        data = self.parse(s.MoveSerializer)
        target = selectors.household_for(user, data["to_household"])
        if target is None:
            raise DomainError("在您的管辖范围内找不到目标户。", field="to_household")
        services.move_member(user, person, target, data["relation"], data["reason"])
        return self.person_detail(user, person)


class PersonLeaveView(RegistryView):
    @extend_schema(
        operation_id="persons_leave",
        tags=["人员"],
        summary="离开本户",
        description="死亡、嫁出、迁出本县等；成员关系结束，历史保留。户主须最后离开。",
        parameters=[PERSON_ID],
        request=s.LeaveSerializer,
        responses={204: OpenApiResponse(description="已办理离开"), **ERRORS},
    )
    def post(self, request: Request, person_id: int) -> Response:
        user = staff(request)
        person = self.person(user, person_id)
        data = self.parse(s.LeaveSerializer)
        services.end_membership(user, person, data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- tokens ---------------------------------------------------------------------------


class TokenView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [ChineseJSONParser]

    @extend_schema(
        operation_id="auth_token",
        tags=["认证"],
        summary="以用户名和密码换取令牌",
        description=(
            "返回的令牌放在请求头 Authorization: Token <令牌>。连续多次密码错误后账户锁定"
            "一段时间，期间返回403。"
        ),
        request=s.TokenRequestSerializer,
        responses={
            200: s.TokenSerializer,
            400: ERRORS[400],
            403: OpenApiResponse(s.ErrorSerializer, description="账户已锁定"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = s.TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = authenticate(
                request._request,
                username=serializer.validated_data["username"],
                password=serializer.validated_data["password"],
            )
        except AccountLocked as locked:
            until = timezone.localtime(locked.until)
            raise PermissionDenied(
                f"账户已锁定：登录失败次数过多，请于 {until:%H:%M} 后再试。"
            ) from None
        if user is None:
            raise DomainError("用户名或密码错误。")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
