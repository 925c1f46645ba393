"""API errors as JSON with a Chinese message; domain errors become 400."""

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from jiuzhu.core.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionError):
        return Response({"detail": str(exc) or "无权执行此操作。"}, status=status.HTTP_403_FORBIDDEN)
    return drf_exception_handler(exc, context)
