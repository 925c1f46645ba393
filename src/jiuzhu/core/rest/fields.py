"""Strict DRF fields for every API: strings are strings, booleans are booleans, unknown keys
are errors, and every message is Chinese."""

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


class Text(serializers.CharField):
    """A string and only a string (numbers and booleans are not silently converted)."""

    default_error_messages = {
        "invalid": "应为字符串。",
        "blank": "不能为空。",
        "max_length": "过长（最多{max_length}字）。",
        "min_length": "过短（至少{min_length}字）。",
    }

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
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
