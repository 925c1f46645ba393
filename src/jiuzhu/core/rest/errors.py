"""API errors as JSON with a Chinese message.

Every error body has "detail" (Chinese, shown as it is). Domain errors become 400 with the
field the rule concerns; validation errors become 400 with "detail" (the first problem),
"field" (its path, e.g. "members.1.id_number") and "field_errors" (every problem by field).
"""

from typing import Any

from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from jiuzhu.core.errors import DomainError


def _first_error(detail: Any, path: tuple[str, ...] = ()) -> tuple[tuple[str, ...], str] | None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            found = _first_error(value, (*path, str(key)))
            if found is not None:
                return found
        return None
    if isinstance(detail, list):
        for index, value in enumerate(detail):
            # A list of messages belongs to the field itself; a list of dicts is per item.
            sub = path if not isinstance(value, dict | list) else (*path, str(index))
            found = _first_error(value, sub)
            if found is not None:
                return found
        return None
    text = str(detail)
    return (path, text) if text else None


def validation_body(detail: Any) -> dict[str, Any]:
    """A 400 body from DRF's validation detail: the first message in Chinese, its field's
    dotted path, and every field's errors."""
    found = _first_error(detail)
    body: dict[str, Any] = {"detail": "提交的数据有误。"}
    if found is not None:
        path, message = found
        path = tuple(part for part in path if part != "non_field_errors")
        body["detail"] = f"提交的数据有误：{message}"
        if path:
            body["field"] = ".".join(path)
    body["field_errors"] = detail if isinstance(detail, dict) else {"non_field_errors": detail}
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler plus the project's errors: DomainError → 400, PermissionError → 403,
    each with a Chinese ``detail``."""
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionError):
        return Response(
            {"detail": str(exc) or "无权执行此操作。"}, status=status.HTTP_403_FORBIDDEN
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        response.data = validation_body(exc.detail)
    return response
