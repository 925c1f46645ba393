"""Two-factor pages: the code step of sign-in, enrolment, and every user's 两步验证 page."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from jiuzhu.core import two_factor
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.permissions import staff
from jiuzhu.core.roles import two_factor_required
from jiuzhu.core.views import safe_next


class CodeForm(forms.Form):
    code = forms.CharField(
        label="验证码",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )


def _secret(response: HttpResponse) -> HttpResponse:
    """A page with a key or codes on it: never kept in a cache or the browser's history."""
    response["Cache-Control"] = "no-store"
    return response


def _codes_page(request: HttpRequest, codes: list[str], target: str) -> HttpResponse:
    """The recovery codes, shown this once."""
    context = {"codes": codes, "next": target}
    return _secret(render(request, "core/two_factor_codes.html", context))


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in: a code from the authenticator app or a recovery code."""
    user = staff(request)
    target = safe_next(request) or "home"
    if two_factor.is_verified(request) or not two_factor.has_two_factors(user):
        return redirect(target)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        with refusals_shown(request, form):
            device = two_factor.verify(request, user, form.cleaned_data["code"])
            if isinstance(device, StaticDevice):
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request, f"已使用一个恢复码，还剩 {left} 个；可在“两步验证”页面重新生成。"
                )
            return redirect(target)
    return render(request, "core/two_factor_verify.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan the QR code (or type the key), confirm with a
    code; then the recovery codes, once."""
    user = staff(request)
    if two_factor.has_two_factors(user):
        return redirect("core:two_factor")
    device = two_factor.pending_authenticator(user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        with refusals_shown(request, form):
            codes = two_factor.confirm_enrolment(request, user, form.cleaned_data["code"])
            return _codes_page(request, codes, safe_next(request))
    context = {
        "form": form,
        "qr": two_factor.qr_svg(device),
        "key": two_factor.key_text(device),
        "required": two_factor_required(user),
    }
    return _secret(render(request, "core/two_factor_enrol.html", context))


@login_required
def status(request: HttpRequest) -> HttpResponse:
    """Every user's 两步验证 page: whether it is on, the codes left, what they may change."""
    user = staff(request)
    return render(
        request,
        "core/two_factor.html",
        {
            "device": two_factor.authenticator(user),
            "codes_left": two_factor.recovery_codes_left(user),
            "required": two_factor_required(user),
        },
    )


@login_required
@require_POST
def renew_codes(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    form = CodeForm(request.POST)
    if form.is_valid():
        with refusals_shown(request):
            codes = two_factor.renew_recovery_codes(request, user, form.cleaned_data["code"])
            return _codes_page(request, codes, "")
    else:
        messages.error(request, "请输入当前的验证码。")
    return redirect("core:two_factor")


@login_required
@require_POST
def disable(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    form = CodeForm(request.POST)
    if form.is_valid():
        with refusals_shown(request):
            two_factor.disable_own(request, user, form.cleaned_data["code"])
            messages.success(request, "已停用两步验证。")
    else:
        messages.error(request, "请输入当前的验证码。")
    return redirect("core:two_factor")
