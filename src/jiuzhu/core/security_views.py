"""The county administrators' security page: API tokens (list, revoke) and security events."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import SecurityEvent
from jiuzhu.core.permissions import require_page
from jiuzhu.core.roles import Capability
from jiuzhu.core.tokens import revoke_token, tokens_in_scope


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
