"""`POST /api/policy/calculate`: the calculator for partner systems and the portal."""

from django.db import transaction
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiuzhu.core.models import TokenScope
from jiuzhu.core.rest.parsers import ChineseJSONParser
from jiuzhu.core.tokens import ApiTokenAuthentication, HasTokenScope
from jiuzhu.policy import serializers as s
from jiuzhu.policy.calculator import calculate

EXAMPLE = {
    "month": "2026-12",
    "area_type": "rural",
    "members": [
        {"name": "王老汉", "age": 76, "labour_capacity": "none"},
        {"name": "刘大娘", "age": 73},
    ],
    "incomes": [{"category": "pension", "monthly_amount": "200.00"}],
    "assets": [],
}


class CalculateView(APIView):
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, HasTokenScope]
    token_scope = TokenScope.CALCULATE  # a POST, but it writes nothing
    parser_classes = [ChineseJSONParser]

    @extend_schema(
        operation_id="policy_calculate",
        summary="救助测算：家庭信息 → 各项目资格与月金额（附中文说明）",
        description=(
            "按计算月份生效的政策参数测算低保、特困、孤困儿童、临时救助、残疾人两项补贴、"
            "经济困难老年人补贴等项目。不保存任何数据。与命令 `jiuzhu calc household.json` 相同。"
        ),
        request=s.CalculateSerializer,
        responses={
            200: s.CalculationSerializer,
            400: OpenApiResponse(
                s.PolicyErrorSerializer, description="输入有误或该月没有生效的参数"
            ),
            401: OpenApiResponse(s.PolicyErrorSerializer, description="未登录"),
        },
        examples=[OpenApiExample("农村老年夫妇", value=EXAMPLE, request_only=True)],
        tags=["policy"],
    )
    def post(self, request: Request) -> Response:
        serializer = s.CalculateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        household = serializer.to_household()
        # Read-only: nothing the calculation touches may be saved, even by accident.
        with transaction.atomic():
            result = calculate(household, serializer.validated_data.get("programmes"))
            transaction.set_rollback(True)
        return Response(result.as_dict())
