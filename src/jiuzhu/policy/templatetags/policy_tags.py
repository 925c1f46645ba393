from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def fen(value: int) -> str:
    """Integer fen as yuan with two decimals."""
    return f"{Decimal(int(value)) / 100:,.2f}"


@register.filter
def field(values: object, name: str) -> str:
    """A posted value by name (the calculator form keeps what was typed)."""
    getter = getattr(values, "get", None)
    return str(getter(name, "")) if getter else ""
