"""Text as people type it, checked once for what no database column may hold.

PostgreSQL refuses a NUL character (``\\x00``) in text outright (the driver raises before the
query is sent), so a NUL typed, pasted or forged into any input would end in a server error.
Every path that takes text refuses it first, with one Chinese sentence:

- form fields and API string fields: Django's and DRF's ``CharField`` run
  ``ProhibitNullCharactersValidator``, whose message `core.apps` sets to `NUL_REFUSAL`;
- services that take raw strings (reasons, names, notes from a page's POST): `plain_text`;
- a whole submission read without a form (search boxes, imports): `refuse_nul_in`;
- every page view, whatever it reads raw from GET or POST: `guard_page_views` wraps them all
  from the root URLconf (a middleware would do the same; this keeps settings untouched).
"""

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, URLResolver

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


SUBMISSION_REFUSAL = f"提交的内容{NUL_REFUSAL}"


def refusing_nul(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page view that never sees a NUL: a request carrying one in a GET or POST parameter
    is answered 400 with the refusal shown in the site's frame."""

    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            refuse_nul_in(request.GET)
            refuse_nul_in(request.POST)
        except DomainError:
            # Not a redirect: the address may take POST only. The site's frame with the
            # refusal on top, as a 400; nothing of the request was read or written.
            messages.error(request, SUBMISSION_REFUSAL)
            return render(request, "base.html", status=400)
        return view(request, *args, **kwargs)

    return guarded


def guard_page_views(patterns: Sequence[object]) -> None:
    """Wrap every page view under `patterns` in `refusing_nul` (the root URLconf calls this
    once). API views are left alone: their serializers refuse NUL field by field in JSON."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            guard_page_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and not hasattr(pattern.callback, "cls"):
            # DRF's as_view() marks its views with .cls
            pattern.callback = refusing_nul(pattern.callback)
