"""The page of the exchange with the province: persons receiving here and in another
county, from the latest provincial list (api/exchange.py)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jiuzhu.api import sharing
from jiuzhu.core.permissions import require_page
from jiuzhu.core.roles import Capability


@login_required
def cross_county(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    listing = sharing.latest_provincial_list()
    matches = sharing.cross_county_matches(user, listing) if listing is not None else []
    return render(
        request,
        "api/cross_county.html",
        {"listing": listing, "matches": matches, "visibility": user.id_visibility},
    )
