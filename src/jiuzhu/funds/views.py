"""Pages: execution (budget vs paid, warnings, Excel), budgets, fiscal indices, allocation."""

import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from openpyxl import Workbook

from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.money import format_yuan, parse_yuan, plain_yuan
from jiuzhu.core.permissions import require_page
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.funds import selectors, services


def _year(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("year") or request.POST.get("year") or 0), 2000), 2100)
    except ValueError:
        return timezone.localdate().year


@login_required
def execution(request: HttpRequest) -> HttpResponse:
    """Budget execution for a year (page, or Excel with ?format=xlsx)."""
    user = require_page(request, Capability.VIEW_PAYROLL)
    year = _year(request) if request.GET.get("year") else timezone.localdate().year
    lines = selectors.execution(user, year, timezone.localdate())
    if request.GET.get("format") == "xlsx":
        return _export(year, lines)
    return render(
        request,
        "funds/execution.html",
        {
            "year": year,
            "lines": lines,
            "not_paid": selectors.not_paid(user, year),
            "month_numbers": range(1, 13),
            "can_manage": user.can(Capability.MANAGE_BUDGETS),
        },
    )


def _export(year: int, lines: list[selectors.Line]) -> HttpResponse:

    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{year}年预算执行")
    sheet.append(
        [
            "项目",
            "区划",
            "预算",
            *[f"{m}月" for m in range(1, 13)],
            "已支出",
            "余额",
            "预计全年",
            "预警",
        ]
    )
    for line in lines:
        budget = line.budget
        sheet.append(
            [
                budget.get_programme_display(),
                budget.region.name,
                plain_yuan(budget.amount_fen),
                *[plain_yuan(v) for v in line.months],
                plain_yuan(line.paid),
                plain_yuan(line.remaining),
                plain_yuan(line.projected),
                line.warning,
            ]
        )
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="execution_{year}.xlsx"'
    return response


def _save_budget(request: HttpRequest, user: User, year: int) -> None:
    region = Region.objects.filter(
        code=request.POST.get("region", ""),
        level__in=[RegionLevel.COUNTY, RegionLevel.TOWN],
    ).first()
    if region is None:
        raise DomainError("请选择县或乡镇。")
    services.set_budget(
        user,
        year,
        request.POST.get("programme", ""),
        region,
        parse_yuan(request.POST.get("amount", "")),
        request.POST.get("note", ""),
    )
    messages.success(request, "预算已保存。")


def _save_index(request: HttpRequest, user: User, year: int) -> None:
    town = Region.objects.filter(code=request.POST.get("town", ""), level=RegionLevel.TOWN).first()
    if town is None:
        raise DomainError("请选择乡镇。")
    services.set_fiscal_index(
        user, year, town, request.POST.get("weakness", ""), request.POST.get("note", "")
    )
    messages.success(request, "财力指数已保存。")


def _allocate(request: HttpRequest, user: User, year: int) -> None:
    allocation = services.allocate(
        user, year, request.POST.get("programme", ""), parse_yuan(request.POST.get("amount", ""))
    )
    messages.success(request, f"已分配县级补助 {format_yuan(allocation.total_fen)} 元。")


# The budgets page's forms, by their hidden "action".
STEPS: dict[str, Callable[[HttpRequest, User, int], None]] = {
    "budget": _save_budget,
    "index": _save_index,
    "allocate": _allocate,
}


@login_required
@require_http_methods(["GET", "POST"])
def budgets(request: HttpRequest) -> HttpResponse:
    """Budgets, fiscal indices and allocations of a year, and setting each."""
    user = require_page(request, Capability.MANAGE_BUDGETS)
    year = (
        _year(request)
        if (request.GET.get("year") or request.POST.get("year"))
        else timezone.localdate().year
    )
    if request.method == "POST":
        step = STEPS.get(request.POST.get("action", ""))
        if step is None:
            raise Http404
        with refusals_shown(request):
            step(request, user, year)
        return redirect(f"{request.path}?year={year}")
    context: dict[str, Any] = {
        "year": year,
        "programmes": Programme.choices,
        "regions": Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWN]).order_by(
            "code"
        ),
        "towns": Region.objects.filter(level=RegionLevel.TOWN).order_by("code"),
        "indices": selectors.fiscal_indices(year),
        "allocations": selectors.allocations(year),
        "budgets": selectors.execution(user, year, timezone.localdate()),
    }
    return render(request, "funds/budgets.html", context)
