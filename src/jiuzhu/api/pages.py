"""The page of the exchange with the province: persons receiving here and in another
county, from the latest provincial list (api/exchange.py): sorted, paged, exported."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render

from jiuzhu.api import sharing
from jiuzhu.api.models import CrossCountyMatch
from jiuzhu.core import lists
from jiuzhu.core.idnumber import mask
from jiuzhu.core.models import User
from jiuzhu.core.permissions import require_page
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability

PROGRAMMES = dict(Programme.choices)


def _columns(user: User) -> list[lists.Column]:
    visibility = user.id_visibility
    return [
        lists.Column("姓名", "person__name"),
        lists.Column(
            "身份证号", "person__id_number", sortable=False, shown=lambda n: mask(n, visibility)
        ),
        lists.Column("户号", "household__number"),
        lists.Column("所在村（社区）", "household__registered_region__name"),
        lists.Column("本县救助项目", "programme", choices=PROGRAMMES),
        lists.Column("月份", "month", "month"),
        lists.Column("外县（区划代码）", "other_county_code"),
        lists.Column("外县救助项目", "other_programme", choices=PROGRAMMES),
    ]


@login_required
def cross_county(request: HttpRequest) -> HttpResponseBase:
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    listing = sharing.latest_provincial_list()
    matches = (
        sharing.cross_county_matches(user, listing)
        if listing is not None
        else CrossCountyMatch.objects.none()
    )
    programme = request.GET.get("programme", "")
    if programme in Programme.values:
        matches = matches.filter(programme=programme)
    columns = _columns(user)
    sort = lists.sorting(request, columns)
    matches = lists.sorted_rows(matches, columns, sort)
    if request.GET.get("format") == "xlsx":
        return lists.xlsx_response("cross_county", "跨县重复享受", columns, matches)
    return render(
        request,
        "api/cross_county.html",
        {
            "listing": listing,
            "page": lists.page(request, matches),
            "headers": lists.headers(request, columns, sort),
            "query_string": lists.page_query(request),
            "export": lists.export_query(request),
            "programme": programme,
            "programmes": Programme.choices,
            "visibility": user.id_visibility,
        },
    )
