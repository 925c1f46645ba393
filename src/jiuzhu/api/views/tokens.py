"""/api/auth/token/: POST a username and password for a token; DELETE to revoke the token used."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiuzhu.api import serializers as s
from jiuzhu.api.views.base import ERRORS, operation
from jiuzhu.core.auth import LOGIN_FAILED, attempt_password, signed_in
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import ApiToken
from jiuzhu.core.rest.parsers import ChineseJSONParser
from jiuzhu.core.tokens import ApiTokenAuthentication, issue_token
from jiuzhu.core.two_factor import may_issue_token
from jiuzhu.core.two_factor_gate import SECOND_STEP_FIRST


class TokenView(APIView):
    authentication_classes = [ApiTokenAuthentication]
    parser_classes = [ChineseJSONParser]

    def get_permissions(self) -> list[BasePermission]:
        # Anyone may ask for a token; only a token's holder may revoke it.
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def perform_authentication(self, request: Request) -> None:
        # Asking for a token reads no Authorization header (a stale one must not stand in
        # the way of getting a new token).
        if request.method != "POST":
            super().perform_authentication(request)

    @operation(
        "auth_token",
        "认证",
        "以用户名和密码换取令牌",
        {200: s.TokenSerializer, 400: ERRORS[400]},
        description=(
            "返回的令牌放在请求头 Authorization: Token <令牌>，只显示这一次（服务器只保存其"
            "摘要）。令牌按设置的天数到期，退出登录、修改密码、账户锁定或停用时作废。"
            "密码错误、用户不存在或尝试过于频繁（按来源地址和账户限速，等待时间逐次加长）"
            "时一律返回同一条400答复。须使用两步验证的账户，只能在已完成两步验证的同一网页"
            "会话中申请令牌。"
        ),
        request=s.TokenRequestSerializer,
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = s.TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = attempt_password(request._request, data["username"], data["password"])
        if user is None:
            raise DomainError(LOGIN_FAILED)
        if not may_issue_token(request._request, user):
            raise DomainError(SECOND_STEP_FIRST)
        signed_in(request._request, user)
        token, clear = issue_token(user, data.get("scopes"))
        body: dict[str, Any] = {
            "token": clear,
            "scopes": token.scopes,
            "expires_at": token.expires_at,
        }
        return Response(s.TokenSerializer(body).data)

    @operation(
        "auth_token_revoke",
        "认证",
        "作废本次请求所用的令牌（退出登录）",
        {204: OpenApiResponse(description="已作废"), 401: ERRORS[401]},
        request=None,
    )
    def delete(self, request: Request) -> Response:
        token = request.auth
        if isinstance(token, ApiToken):
            ApiToken.objects.filter(pk=token.pk).update(
                revoked_at=timezone.now(), revoked_reason=ApiToken.Revocation.LOGOUT
            )
        return Response(status=204)
