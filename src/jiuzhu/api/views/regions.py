"""GET /api/regions/: the regions in the caller's scope."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response

from jiuzhu.api import serializers as s
from jiuzhu.api.views.base import (
    ERRORS,
    PAGING,
    READ_ERRORS,
    Pagination,
    RegistryView,
    operation,
    staff,
)
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import RegionLevel
from jiuzhu.core.selectors import regions_in_scope


class RegionListView(RegistryView):
    @operation(
        "regions_list",
        "区划",
        "管辖范围内的区划",
        {200: s.RegionPageSerializer, **READ_ERRORS, 400: ERRORS[400]},
        description="调用者所属区划及其下级区划（县、镇、村），按代码排序，分页。",
        parameters=[
            OpenApiParameter(
                "level",
                str,
                enum=[RegionLevel.TOWN, RegionLevel.VILLAGE, RegionLevel.COUNTY],
                description="只列出某一层级：town（镇、街道）或 village（村、社区）",
            ),
            *PAGING,
        ],
    )
    def get(self, request: Request) -> Response:
        user = staff(request)
        level = request.query_params.get("level", "")
        if "level" in request.query_params and level not in RegionLevel.values:
            raise DomainError("层级应为 town（镇、街道）或 village（村、社区）。", field="level")
        regions = regions_in_scope(user, level or None).select_related("parent").order_by("code")
        paginator = Pagination()
        page = paginator.paginate_queryset(regions, request, view=self) or []
        return paginator.get_paginated_response(s.RegionSerializer(page, many=True).data)
