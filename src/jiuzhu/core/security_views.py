"""The county administrators' security page: API tokens (list, revoke; department partners'
tokens issued here, shown once) and security events."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import SecurityEvent, User
from jiuzhu.core.permissions import require_page
from jiuzhu.core.roles import Capability, Role
from jiuzhu.core.tokens import PARTNER_SCOPES, issue_partner_token, revoke_token, tokens_in_scope


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The tokens of staff in the admin's area (never the tokens themselves) and recent
    security events, newest first."""
    user = require_page(request, Capability.MANAGE_SECURITY)
    tokens = Paginator(tokens_in_scope(user), 50).get_page(request.GET.get("tokens"))
    events = Paginator(SecurityEvent.objects.all(), 50).get_page(request.GET.get("events"))
    return render(
        request,
        "core/security.html",
        {"tokens": tokens, "events": events, "now": timezone.now()},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = require_page(request, Capability.MANAGE_SECURITY)
    with refusals_shown(request):
        revoke_token(user, token_id)
        messages.success(request, "已吊销该令牌。")
    return redirect("core:security")


class OfficerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        department = f"{obj.department}，" if obj.department else ""
        return f"{obj.display_name}（{department}{obj.region.name if obj.region else ''}）"


class PartnerTokenForm(forms.Form):
    officer = OfficerChoice(
        User.objects.none(),
        label="部门数据专员",
        empty_label="请选择",
        error_messages={"required": "请选择部门数据专员。"},
    )
    scopes = forms.MultipleChoiceField(
        label="共享权限范围",
        choices=[(scope.value, scope.label) for scope in PARTNER_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一项共享权限范围。"},
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        officer = self.fields["officer"]
        assert isinstance(officer, OfficerChoice)
        officer.queryset = (
            User.objects.filter(
                role=Role.DEPARTMENT_OFFICER,
                is_active=True,
                region__code__startswith=user.scope_prefix,
            )
            .select_related("region")
            .order_by("department", "last_name", "first_name", "pk")
        )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def partner_token_new(request: HttpRequest) -> HttpResponse:
    """A county administrator grants a department officer a token for the shared data;
    the token is shown on the answer once (never stored in clear, never cached)."""
    user = require_page(request, Capability.MANAGE_SECURITY)
    form = PartnerTokenForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request, form):
            token, clear = issue_partner_token(
                user, form.cleaned_data["officer"], form.cleaned_data["scopes"]
            )
            return render(request, "core/token_issued.html", {"token": token, "clear": clear})
    return render(request, "core/token_new.html", {"form": form})
