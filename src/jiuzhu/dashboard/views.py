"""The overview pages: a region's figures with charts and tables, the drill-down to a
village's recipients, the Excel files and the monthly statistical report."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.cases.models import RecipientStatus
from jiuzhu.cases.rules import decision_deadline_working_days
from jiuzhu.core import lists
from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.months import parse_month
from jiuzhu.core.permissions import found_or_404, require_page, staff
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.dashboard import exports, selectors, services, worklist


def _region(request: HttpRequest, user: User) -> Region:
    """The region asked for (?region=code), within the user's area; their own by default."""
    code = request.GET.get("region", "")
    if not code:
        return found_or_404(user.region)
    return found_or_404(selectors.region_in_scope(user, code))


def _attachment(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    """Each staff member's first page: their tasks and, above a village, the headline
    figures of their area; a village coordinator sees their village's households."""
    user = staff(request)
    today = timezone.localdate()
    region = user.region
    sees_figures = region is not None and user.can(Capability.VIEW_HOUSEHOLDS)
    village = sees_figures and region is not None and region.level == RegionLevel.VILLAGE
    return render(
        request,
        "dashboard/home.html",
        {
            "staff": user,
            "today": today,
            "tasks": worklist.worklist(user, today),
            "headline": selectors.overview(region, user, today)
            if sees_figures and region is not None and not village
            else None,
            "village": village,
            "households": worklist.households_in_area(user) if village else None,
            "recipients": selectors.recipients_of_village(region).count()
            if village and region is not None
            else None,
        },
    )


@login_required
@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponseBase:
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    region = _region(request, user)
    if region.level == RegionLevel.VILLAGE:
        return _village(request, user, region)
    figures = selectors.overview(region, user, timezone.localdate())
    table = request.GET.get("table", "")
    if table:
        return _table_download(figures, table)
    return render(
        request,
        "dashboard/overview.html",
        {
            "o": figures,
            "charts": _charts(figures),
            "can_set_population": user.can(Capability.MANAGE_REGIONS),
            "decision_working_days": decision_deadline_working_days(timezone.localdate()),
            "this_year": timezone.localdate().year,
        },
    )


def _charts(o: selectors.Overview) -> dict[str, object]:
    """The charts' data, handed to the page's script as JSON (amounts in yuan)."""
    return {
        "programmes": {
            "labels": [r.label for r in o.programmes],
            "persons": [r.persons for r in o.programmes],
            "amounts": [r.amount_fen / 100 for r in o.programmes],
        },
        "regions": {
            "labels": [r.label for r in o.children],
            "persons": [r.persons for r in o.children],
            "amounts": [r.amount_fen / 100 for r in o.children],
        },
        "trend": {
            "labels": [r.label for r in o.trend],
            "persons": [r.persons for r in o.trend],
            "amounts": [r.amount_fen / 100 for r in o.trend],
        },
    }


def _table_download(o: selectors.Overview, table: str) -> HttpResponse:
    month = f"{o.month.year}年{o.month.month}月" if o.month else ""
    if table == "programmes":
        title, first, rows = f"{o.region.name}{month}分项目统计", "救助项目", o.programmes
    elif table == "regions":
        title, first = f"{o.region.name}{month}分{o.child_level_label}统计", o.child_level_label
        rows = o.children
    elif table == "trend":
        title, first, rows = f"{o.region.name}近{len(o.trend)}个月发放趋势", "月份", o.trend
    else:
        raise Http404
    return _attachment(exports.table_workbook(title, first, rows), f"overview_{table}.xlsx")


RECIPIENT_COLUMNS = [
    lists.Column("户编号", "household__number"),
    lists.Column("申请人", "case__applicant__name"),
    lists.Column("救助项目", "programme", choices=dict(Programme.choices)),
    lists.Column("状态", "status", choices=dict(RecipientStatus.choices)),
    lists.Column("保障人数", "members_covered", "count", total=True),
    lists.Column("月救助金额（元）", "monthly_amount", "yuan", total=True),
    lists.Column("起始月份", "start_month", "date"),
]


def _village(request: HttpRequest, user: User, region: Region) -> HttpResponseBase:
    """The end of the drill-down: the village's recipients, sorted, paged, exportable."""
    programme = request.GET.get("programme", "")
    if programme and programme not in Programme.values:
        programme = ""
    sort = lists.sorting(request, RECIPIENT_COLUMNS)
    rows = lists.sorted_rows(
        selectors.recipients_of_village(region, programme), RECIPIENT_COLUMNS, sort
    )
    if request.GET.get("format") == "xlsx":
        label = dict(Programme.choices).get(programme, "")
        return lists.xlsx_response(
            "recipients",
            f"{region.full_name}{label}救助对象",
            RECIPIENT_COLUMNS,
            rows,
        )
    return render(
        request,
        "dashboard/village.html",
        {
            "region": region,
            "trail": selectors.trail(region, user),
            "page": lists.page(request, rows),
            "headers": lists.headers(request, RECIPIENT_COLUMNS, sort),
            "query": lists.page_query(request),
            "export": lists.export_query(request),
            "programme": programme,
            "programmes": Programme.choices,
        },
    )


@login_required
@require_http_methods(["GET"])
def statistical_report(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.VIEW_PAYROLL)
    region = _region(request, user)
    try:
        month = parse_month(request.GET.get("month", ""))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(reverse("dashboard:overview") + f"?region={region.code}")
    return _attachment(
        exports.statistical_report(region, month), f"monthly_report_{month:%Y%m}.xlsx"
    )


@login_required
@require_POST
def set_population(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.MANAGE_REGIONS)
    region = _region(request, user)
    with refusals_shown(request):
        services.set_population(
            user,
            region,
            request.POST.get("persons", ""),
            request.POST.get("year", str(dt.date.today().year)),
        )
        messages.success(request, f"已保存{region.name}的户籍人口。")
    return redirect(reverse("dashboard:overview") + f"?region={region.code}")
