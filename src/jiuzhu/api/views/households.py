"""Households: list and search, create, read and change, add a member."""

import dataclasses

from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from jiuzhu.api import serializers as s
from jiuzhu.api.views.base import (
    ERRORS,
    HOUSEHOLD_ID,
    PAGING,
    Pagination,
    RegistryView,
    listing,
    operation,
    reads,
    staff,
    writes,
)
from jiuzhu.core.errors import DomainError
from jiuzhu.core.idnumber import MAX_DIGITS_IN_URL, too_many_digits_for_a_url
from jiuzhu.core.models import User
from jiuzhu.registry import selectors, services
from jiuzhu.registry.inputs import household_input_of
from jiuzhu.registry.models import Membership

TAG = "家庭档案"
SEARCH_RESPONSES = {200: s.HouseholdPageSerializer, 400: ERRORS[400], 401: ERRORS[401]}


def search_response(view: RegistryView, user: User, query: str) -> Response:
    """The households with a member matching the query, each with the members found."""
    result = selectors.search(user, query)
    if result.message:
        raise DomainError(result.message, field="q")
    matches: dict[int, list[Membership]] = {}
    for membership in result.memberships:
        matches.setdefault(membership.household_id, []).append(membership)
    in_scope = selectors.households_in_scope(user).filter(pk__in=list(matches))
    found = {household.pk: household for household in listing(in_scope)}
    rows = [found[pk] for pk in matches if pk in found]
    context = {**view.format_context(user), "matches": matches}
    data = s.HouseholdListItemSerializer(rows, many=True, context=context).data
    return Response({"count": len(rows), "next": None, "previous": None, "results": data})


class HouseholdListView(RegistryView):
    @operation(
        "households_list",
        TAG,
        "家庭列表或查询",
        SEARCH_RESPONSES,
        description=(
            "不带 q：管辖范围内的全部家庭，分页。带 q：按姓名、拼音首字母（如 zs）或身份证号"
            f"后几位查询，最多返回50户，matches 列出命中的成员。为保护个人信息，q 中连续数字"
            f"不得超过{MAX_DIGITS_IN_URL}位；按完整身份证号查询请用 POST /api/households/search/。"
        ),
        parameters=[
            OpenApiParameter("q", str, description="姓名、拼音首字母或身份证号后4-6位"),
            *PAGING,
        ],
    )
    def get(self, request: Request) -> Response:
        user = staff(request)
        paginator = Pagination()
        paginator.check(request)  # declared with q too: refused when wrong, even if unused
        query = request.query_params.get("q", "").strip()
        if query:
            if too_many_digits_for_a_url(query):
                raise DomainError(
                    f"为保护个人信息，网址中不能包含身份证号（最多输入后{MAX_DIGITS_IN_URL}位）；"
                    "按完整身份证号查询请用 POST /api/households/search/。",
                    field="q",
                )
            return search_response(self, user, query)
        households = listing(selectors.households_in_scope(user)).order_by("pk")
        page = paginator.paginate_queryset(households, request, view=self) or []
        data = s.HouseholdListItemSerializer(page, many=True, context=self.format_context(user))
        return paginator.get_paginated_response(data.data)

    @operation(
        "households_create",
        TAG,
        "新建家庭档案（含成员）",
        writes(201, s.HouseholdDetailSerializer),
        description=(
            "户籍地须在您的管辖范围内，区划均以12位代码填写并选择到村（社区）。成员至少1人、"
            "最多30人，有且只有一名户主；身份证号须有效（含校验码），且此人尚未登记在任何户。"
            "任何一项有误则不保存任何内容。"
        ),
        request=s.HouseholdCreateSerializer,
    )
    def post(self, request: Request) -> Response:
        user = staff(request)
        data = self.parse(s.HouseholdCreateSerializer)
        members = [services.MemberInput(**m) for m in data.pop("members")]
        household = services.create_household(
            user, services.HouseholdInput(**data, members=members)
        )
        return self.household_detail(user, household.pk, status.HTTP_201_CREATED)


class HouseholdSearchView(RegistryView):
    # A search is a read, though it is a POST: any role that may view households.
    permission_classes = [IsAuthenticated]

    @operation(
        "households_search",
        TAG,
        "按完整身份证号等查询（查询词放在请求正文中）",
        SEARCH_RESPONSES,
        description="与 GET /api/households/?q= 相同，但查询词在请求正文中，可含完整身份证号。",
        request=s.SearchSerializer,
    )
    def post(self, request: Request) -> Response:
        user = staff(request)
        data = self.parse(s.SearchSerializer)
        return search_response(self, user, data["q"])


class HouseholdDetailView(RegistryView):
    @operation(
        "households_retrieve",
        TAG,
        "家庭档案（一户一档）",
        reads(s.HouseholdDetailSerializer),
        description="现有成员、曾经的成员、收入与财产。每次读取都记入访问日志。",
        parameters=[HOUSEHOLD_ID],
    )
    def get(self, request: Request, household_id: int) -> Response:
        user = staff(request)
        response = self.household_detail(user, household_id)
        self.log_read(user, "household", household_id, household_id)
        return response

    @operation(
        "households_partial_update",
        TAG,
        "修改家庭信息",
        writes(200, s.HouseholdDetailSerializer),
        description="只修改给出的字段；成员请用成员接口逐一增减。",
        parameters=[HOUSEHOLD_ID],
        request=s.HouseholdUpdateSerializer,
    )
    def patch(self, request: Request, household_id: int) -> Response:
        user = staff(request)
        household = self.household(user, household_id)
        data = self.parse(s.HouseholdUpdateSerializer, partial=True)
        current = household_input_of(household)
        services.update_household(user, household, dataclasses.replace(current, **data))
        return self.household_detail(user, household.pk)


class HouseholdMembersView(RegistryView):
    @operation(
        "households_members_create",
        TAG,
        "增加成员",
        writes(201, s.PersonDetailSerializer),
        description="身份证号在请求正文中填写；此人不得已登记在任何户；一户只能有一名户主。",
        parameters=[HOUSEHOLD_ID],
        request=s.MemberInputSerializer,
    )
    def post(self, request: Request, household_id: int) -> Response:
        user = staff(request)
        household = self.household(user, household_id)
        data = self.parse(s.MemberInputSerializer)
        person = services.add_member(user, household, services.MemberInput(**data))
        return self.person_detail(user, person, status.HTTP_201_CREATED)
