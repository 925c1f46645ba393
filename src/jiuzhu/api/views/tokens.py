"""POST /api/auth/token/: a token for a username and password."""

from typing import Any

from django.contrib.auth import authenticate
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiuzhu.api import serializers as s
from jiuzhu.api.views.base import ERRORS, operation
from jiuzhu.core.auth import AccountLocked
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
            403: OpenApiResponse(s.ErrorSerializer, description="账户已锁定"),
        },
        description=(
            "返回的令牌放在请求头 Authorization: Token <令牌>。连续多次密码错误后账户锁定"
            "一段时间，期间返回403。"
        ),
        request=s.TokenRequestSerializer,
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
