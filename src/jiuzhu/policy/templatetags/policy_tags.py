from django import template

register = template.Library()


@register.filter
def field(values: object, name: str) -> str:
    """A posted value by name (the calculator form keeps what was typed)."""
    getter = getattr(values, "get", None)
    return str(getter(name, "")) if getter else ""
