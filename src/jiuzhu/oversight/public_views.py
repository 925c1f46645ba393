"""The public complaint form and the lookup of its reply: no login."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import posted
from jiuzhu.core.models import Region, RegionLevel
from jiuzhu.core.services import client_ip
from jiuzhu.oversight import complaints, selectors
from jiuzhu.oversight.models import ComplaintCategory


@require_http_methods(["GET", "POST"])
def complaint_form(request: HttpRequest) -> HttpResponse:
    towns = Region.objects.filter(level=RegionLevel.TOWN).order_by("code")
    context = {"towns": towns, "categories": ComplaintCategory.choices, "values": request.POST}
    if request.method == "POST":
        category, town, content, name, phone, subject = posted(
            request, "category", "town", "content", "name", "phone", "subject"
        )
        try:
            complaint = complaints.submit_public(
                town=towns.filter(code=town).first(),
                category=category,
                content=content,
                anonymous=request.POST.get("anonymous") == "1",
                name=name,
                phone=phone,
                subject_text=subject,
                source_ip=client_ip(request),
                files=request.FILES.getlist("files"),
            )
        except DomainError as error:
            context["error"] = error.message
            return render(request, "oversight/public/form.html", context, status=400)
        return render(request, "oversight/public/received.html", {"complaint": complaint})
    return render(request, "oversight/public/form.html", context)


def complaint_track(request: HttpRequest) -> HttpResponse:
    number, code = request.GET.get("number", ""), request.GET.get("code", "")
    found = selectors.track(number, code) if number and code else None
    return render(
        request,
        "oversight/public/track.html",
        {"found": found, "asked": bool(number or code), "number": number},
    )


def blacklist(request: HttpRequest) -> HttpResponse:
    """The published list of serious dishonesty (失信名单), masked."""
    return render(
        request,
        "oversight/public/blacklist.html",
        {"rows": selectors.public_blacklist(timezone.localdate())},
    )
