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
from django.core import validators
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


# Django's own messages, even translated, speak of "fields", "valid choices" and quote the
# value sent; each message stands next to its field, so it says what to do in plain words.
PLAIN_MESSAGES: dict[type[forms.Field], dict[str, str]] = {
    forms.Field: {"required": "请填写此项。"},
    forms.ChoiceField: {"invalid_choice": "请从列表中选择。"},
    forms.MultipleChoiceField: {
        "invalid_choice": "请从列表中选择。",
        "invalid_list": "请从列表中选择。",
    },
    forms.ModelChoiceField: {"invalid_choice": "请从列表中选择。"},
    forms.IntegerField: {"invalid": "请填写整数，例如 3。"},
    forms.DecimalField: {"invalid": "请填写数字，例如 12.50。"},
    forms.FloatField: {"invalid": "请填写数字，例如 12.50。"},
    forms.DateField: {"invalid": "日期格式不正确，例如 2026-12-01。"},
    forms.DateTimeField: {"invalid": "时间格式不正确，例如 2026-12-01 09:30。"},
    forms.TimeField: {"invalid": "时间格式不正确，例如 09:30。"},
    forms.EmailField: {"invalid": "电子邮箱格式不正确。"},
    forms.FileField: {
        "required": "请选择文件。",
        "invalid": "请选择文件后再提交。",
        "missing": "请选择文件后再提交。",
        "empty": "所选文件是空的。",
    },
    forms.ImageField: {"invalid_image": "请上传照片（JPG 或 PNG）。"},
}
PLAIN_VALIDATORS: dict[type[validators.BaseValidator], str] = {
    validators.MaxLengthValidator: "最多 %(limit_value)d 个字（现有 %(show_value)d 个）。",
    validators.MinLengthValidator: "至少 %(limit_value)d 个字（现有 %(show_value)d 个）。",
    validators.MaxValueValidator: "不能大于 %(limit_value)s。",
    validators.MinValueValidator: "不能小于 %(limit_value)s。",
}


def use_plain_messages() -> None:
    """Set PLAIN_MESSAGES and PLAIN_VALIDATORS as the defaults of every form (core's
    AppConfig.ready); a form's own message for a field still comes first."""
    for field, plain in PLAIN_MESSAGES.items():
        field.default_error_messages = {**field.default_error_messages, **plain}
    for validator, message in PLAIN_VALIDATORS.items():
        validator.message = message
