"""POST /api/auth/token/: a token for a username and password."""

from typing import Any

from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiuzhu.api import serializers as s
from jiuzhu.api.views.base import ERRORS, operation
from jiuzhu.core.auth import LOGIN_FAILED, attempt_login
from jiuzhu.core.errors import DomainError
from jiuzhu.core.rest.parsers import ChineseJSONParser


class TokenView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [ChineseJSONParser]

    @operation(
        "auth_token",
        "认证",
        "以用户名和密码换取令牌",
        {
            200: s.TokenSerializer,
            400: ERRORS[400],
        },
        description=(
            "返回的令牌放在请求头 Authorization: Token <令牌>。密码错误、用户不存在或尝试过于"
            "频繁（按来源地址和账户限速，等待时间逐次加长）时一律返回同一条400答复。"
        ),
        request=s.TokenRequestSerializer,
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = s.TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = attempt_login(
            request._request,
            serializer.validated_data["username"],
            serializer.validated_data["password"],
        )
        if user is None:
            raise DomainError(LOGIN_FAILED)
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
