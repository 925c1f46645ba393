"""Public notice pages: no login; what the rules allow and nothing more."""

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from jiuzhu.cases import public
from jiuzhu.core.models import Region, RegionLevel


def _area(request: HttpRequest) -> tuple[Region | None, Region | None, Region | None]:
    town = public.public_region(request.GET.get("town"), RegionLevel.TOWN)
    village = public.public_region(request.GET.get("village"), RegionLevel.VILLAGE)
    if village is not None and town is not None and village.parent_id != town.pk:
        village = None
    return town, village, village or town


def _title(area: Region | None) -> str:
    if area is None:
        county = Region.objects.filter(level=RegionLevel.COUNTY).first()
        return county.name if county else ""
    return area.full_name


def notice_board(request: HttpRequest) -> HttpResponse:
    """The public notice board of a town or village, without login. Every visitor of an
    area and page sees the same board: it is kept (public.BOARD_SECONDS at most, until a
    case or recipient changes) and not counted and listed again for each of them."""
    if request.user.is_authenticated:  # staff see their menu on it
        return _board(request)
    key = public.board_key(
        *(request.GET.get(name, "") for name in ("town", "village", "page", "notices_page"))
    )
    html = cache.get(key)
    if html is None:
        html = _board(request).content
        cache.set(key, html, public.BOARD_SECONDS)
    return HttpResponse(html)


def _board(request: HttpRequest) -> HttpResponse:
    town, village, area = _area(request)
    page, rows = public.standing_page(area, request.GET.get("page"))
    notices_page, notices = public.notices_page(area, request.GET.get("notices_page"))
    return render(
        request,
        "cases/public/board.html",
        {
            "towns": public.towns(),
            "villages": public.villages_of(town),
            "town": town,
            "village": village,
            "title": _title(area),
            "notices": notices,
            "notices_page": notices_page,
            "page": page,
            "rows": rows,
        },
    )


def notice_screen(request: HttpRequest) -> HttpResponse:
    """Full screen, auto-scrolling, for the service hall's electronic screen."""
    _town, _village, area = _area(request)
    return render(
        request,
        "cases/public/screen.html",
        {
            "title": _title(area),
            "notices": public.notices_in_period(area),
            "rows": public.standing_rows(public.standing_notice(area)[:2000]),
            "today": timezone.localdate(),
        },
    )


def notice_pdf(request: HttpRequest) -> HttpResponse:
    _town, _village, area = _area(request)
    response = HttpResponse(public.notice_pdf(area, _title(area)), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="notice.pdf"'
    return response
