"""The API's only parser: JSON, size-capped, decimals kept exact, errors in Chinese."""

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "请求正文过大。"
    default_code = "request_too_large"


def _reject_constant(name: str) -> None:
    raise ValueError(name)


class ChineseJSONParser(BaseParser):
    """Parse a JSON body; numbers with a fraction become Decimal (money is never float)."""

    media_type = "application/json"

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        """The JSON body with numbers as exact Decimals; too large or malformed → Chinese error."""
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 5 * 1024 * 1024
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise RequestTooLarge(f"请求正文过大（最多 {limit // 1024 // 1024} MB）。")
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            return json.loads(
                raw.decode(encoding), parse_float=Decimal, parse_constant=_reject_constant
            )
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ParseError(
                "请求正文不是有效的 JSON，请检查格式（如引号、逗号、括号）。"
            ) from None
