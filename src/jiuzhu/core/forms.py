"""How an HTML view shows a refusal from a service: one helper for every page.

    with refusals_shown(request, form):
        household = services.create_household(user, form.to_input())
        messages.success(request, "已建立家庭档案。")
        return redirect(...)
    return render(...)  # reached when the service refused: the form carries the message

A `DomainError` (a rule was broken) or a `PermissionError` (the role may not) becomes the
form's error, next to its field when the form has that field, on top otherwise. Without a
bound form (a button, a removal) the message is shown at the top of the next page.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from jiuzhu.core.errors import DomainError


def posted(request: HttpRequest, *names: str) -> list[str]:
    """The posted text of each named field, in this order ("" for a field not sent)."""
    return [request.POST.get(name, "") for name in names]


def refusal_message(error: Exception) -> str:
    """The Chinese sentence a refusal carries."""
    if isinstance(error, DomainError):
        return error.message
    return str(error) or "无权执行此操作。"


@contextmanager
def refusals_shown(request: HttpRequest, form: forms.Form | None = None) -> Iterator[None]:
    """Turn a service's refusal into a form error (or a message); see the module's example."""
    try:
        yield
    except (DomainError, PermissionError) as error:
        message = refusal_message(error)
        if form is not None and form.is_bound:
            field = getattr(error, "field", None)
            form.add_error(field if field in form.fields else None, message)
        else:
            messages.error(request, message)
