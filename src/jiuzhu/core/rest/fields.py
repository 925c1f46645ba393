"""Strict DRF fields for every API: strings are strings, booleans are booleans, integers are
integers, amounts are decimal strings or numbers, unknown keys are errors, and every message
is Chinese. The OpenAPI schema states the same rules (minLength, patterns, no extra keys), so
that what a partner's generated client sends is what the API accepts."""

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import Direction, extend_schema_field
from rest_framework import serializers


class Text(serializers.CharField):
    """A string and only a string (numbers and booleans are not silently converted)."""

    default_error_messages = {
        "invalid": "应为字符串。",
        "blank": "不能为空。",
        "max_length": "过长（最多{max_length}字）。",
        "min_length": "过短（至少{min_length}字）。",
    }

    def __init__(self, **kwargs: Any) -> None:
        # A required string may not be empty: say so in the schema too (minLength 1).
        if not kwargs.get("allow_blank") and kwargs.get("min_length") is None:
            kwargs["min_length"] = 1
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        # The schema's maxLength is of the string as sent, before surrounding whitespace
        # (control characters such as U+001E included) is trimmed.
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return str(super().to_internal_value(data))


class Choice(serializers.ChoiceField):
    default_error_messages = {"invalid_choice": "“{input}” 不是有效的选项。"}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class Flag(serializers.BooleanField):
    """true or false only (no "yes", 1 or "on": partner systems send real booleans)."""

    default_error_messages = {"invalid": "应为 true 或 false。"}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class Whole(serializers.IntegerField):
    """An integer and only an integer (no "5", no 5.0, no true)."""

    default_error_messages = {
        "invalid": "应为整数。",
        "min_value": "应不小于{min_value}。",
        "max_value": "应不大于{max_value}。",
        "max_string_length": "数字过长。",
    }

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


# What the schema promises; the field itself reads any plain decimal (a sign, more decimals)
# so that a negative or over-precise amount gets its own message.
YUAN_PATTERN = r"^\d{1,12}(\.\d{1,2})?$"
_PLAIN_DECIMAL = re.compile(r"-?\d+(\.\d+)?")


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": YUAN_PATTERN, "example": "1250.50"},
            {"type": "number", "minimum": 0, "maximum": 999999999999.99},
        ],
        "description": '金额（元，最多两位小数），如 "1250.50"',
    }
)
class Yuan(serializers.DecimalField):
    """A non-negative amount in yuan with at most two decimals: a string of digits ("1250.50")
    or a JSON number (kept exact by the API's parser; a float from a plain json.load is read
    by its shortest repr); no exponent, sign, spaces or infinity in a string."""

    default_error_messages = {
        "invalid": "应为金额数字。",
        "min_value": "金额不能为负数。",
        "max_value": "金额过大。",
        "max_digits": "金额过大。",
        "max_whole_digits": "金额过大。",
        "max_decimal_places": "金额最多两位小数。",
        "max_string_length": "金额过大。",
    }

    def __init__(self, max_digits: int = 14, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(max_digits=max_digits, decimal_places=2, **kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, str | int | float | Decimal):
            self.fail("invalid")
        if isinstance(data, str) and not _PLAIN_DECIMAL.fullmatch(data):
            self.fail("invalid")
        return Decimal(super().to_internal_value(data))


class StrictSerializer(serializers.Serializer[Any]):
    # Rejects keys it does not know: a misspelt field is an error, not silently ignored.
    """请求正文：不接受未定义的字段。"""

    default_error_messages = {"invalid": "应为 JSON 对象（键值对）。"}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: ["未知字段。"] for key in unknown})
        return super().to_internal_value(data)


class StrictSerializerSchema(OpenApiSerializerExtension):
    """In the OpenAPI schema, a StrictSerializer's object admits no other keys
    (additionalProperties: false), as its validation does. Registered on import."""

    target_class = StrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: AutoSchema, direction: Direction) -> Any:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["additionalProperties"] = False
        return schema
