"""The county administrators' security page: security events (password sprays)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jiuzhu.core.models import SecurityEvent
from jiuzhu.core.permissions import require_page
from jiuzhu.core.roles import Capability


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """Recent security events, newest first."""
    require_page(request, Capability.MANAGE_SECURITY)
    events = Paginator(SecurityEvent.objects.all(), 50).get_page(request.GET.get("events"))
    return render(request, "core/security.html", {"events": events})
