from typing import Any

from django import template

from jiuzhu.policy.parameters import shown

register = template.Library()


@register.filter
def field(values: object, name: str) -> str:
    """A posted value by name (the calculator form keeps what was typed)."""
    getter = getattr(values, "get", None)
    return str(getter(name, "")) if getter else ""


@register.filter
def parameter_value(value: Any, key: str) -> str:
    """A parameter's value in words and formatted money (never a list of codes)."""
    return shown(key, value)
