"""Public programme pages (phone first, printable as an A4 leaflet), the standards' history,
and the county administrator's page of offices."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.core.permissions import require_page
from jiuzhu.core.roles import Capability
from jiuzhu.policy.accessors import PublicStandards
from jiuzhu.publicity import selectors, services
from jiuzhu.publicity.guides import GUIDES, OBJECTION, STEPS


def index(request: HttpRequest) -> HttpResponse:
    """Every programme, one line each, and where to apply."""
    return render(
        request,
        "publicity/index.html",
        {
            "guides": GUIDES.values(),
            "offices": selectors.offices(),
            "hotline": selectors.hotline(),
        },
    )


def programme(request: HttpRequest, code: str) -> HttpResponse:
    """One programme: who, how much (standards in force today), what to bring, where, how
    long, how to object."""
    guide = GUIDES.get(code)
    if guide is None:
        raise Http404
    today = timezone.localdate()
    standards = PublicStandards.on(today)
    return render(
        request,
        "publicity/programme.html",
        {
            "guide": guide,
            "amounts": guide.amounts(standards),
            "duration": guide.duration(standards),
            "steps": STEPS,
            "objection": OBJECTION,
            "offices": selectors.offices(),
            "hotline": selectors.hotline(),
            "today": today,
        },
    )


def standards(request: HttpRequest) -> HttpResponse:
    """Every public standard's values over time, from the dated parameters."""
    today = timezone.localdate()
    return render(
        request,
        "publicity/standards.html",
        {"history": selectors.standards_history(today), "today": today},
    )


@login_required
@require_http_methods(["GET", "POST"])
def offices(request: HttpRequest) -> HttpResponse:
    """The county administrator keeps the offices the public pages list."""
    user = require_page(request, Capability.MANAGE_REGIONS)
    regions = Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWN]).order_by(
        "code"
    )
    if request.method == "POST":
        with refusals_shown(request):
            region = regions.filter(code=request.POST.get("region", "")).first()
            if region is None:
                raise DomainError("请选择县或乡镇（街道）。")
            services.save_office(
                user,
                region,
                request.POST.get("name", ""),
                request.POST.get("address", ""),
                request.POST.get("phone", ""),
                request.POST.get("hours", ""),
            )
            messages.success(request, "经办窗口已保存。")
        return redirect("publicity:offices")
    return render(
        request,
        "publicity/offices.html",
        {"regions": regions, "offices": selectors.offices()},
    )
