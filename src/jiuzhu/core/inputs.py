"""Text as people type it, checked once for what no database column may hold.

PostgreSQL refuses a NUL character (``\\x00``) in text outright (the driver raises before the
query is sent), so a NUL typed, pasted or forged into any input would end in a server error.
Every path that takes text refuses it first, with one Chinese sentence:

- form fields and API string fields: Django's and DRF's ``CharField`` run
  ``ProhibitNullCharactersValidator``, whose message `core.apps` sets to `NUL_REFUSAL`;
- services that take raw strings (reasons, names, notes from a page's POST): `plain_text`;
- a whole submission read without a form (search boxes, imports): `refuse_nul_in`.
"""

from collections.abc import Iterable, Mapping

from django.http import QueryDict

from jiuzhu.core.errors import DomainError

NUL = "\x00"
NUL_REFUSAL = "不能含有空字符（\\0），请删除后重新提交。"


def plain_text(value: str, what: str, field: str | None = None) -> str:
    """`value` unchanged, or a refusal naming `what` (e.g. "多发原因") when it holds a NUL."""
    if NUL in value:
        raise DomainError(f"{what}{NUL_REFUSAL}", field=field)
    return value


def refuse_nul_in(values: QueryDict | Mapping[str, str | None], what: str = "提交的内容") -> None:
    """Refuse a submission (a GET or POST QueryDict, a CSV row) in which any name or value
    holds a NUL; every value of a repeated name is checked."""
    pairs: Iterable[tuple[str, Iterable[str | None]]] = (
        values.lists()
        if isinstance(values, QueryDict)
        else ((name, [value]) for name, value in values.items())
    )
    for name, texts in pairs:
        if NUL in str(name) or any(NUL in (text or "") for text in texts):
            raise DomainError(f"{what}{NUL_REFUSAL}", field=str(name))
