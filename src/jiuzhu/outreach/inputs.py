"""The one check of typed text in the outreach app: trimmed, required unless said, and
within its length, refused with a sentence naming the field."""

from jiuzhu.core.errors import DomainError


def text(value: str, what: str, field: str, limit: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise DomainError(f"请填写{what}。", field=field)
    if len(value) > limit:
        raise DomainError(f"{what}最多{limit}字。", field=field)
    return value
