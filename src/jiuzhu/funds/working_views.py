"""The working-funds page: what each town received and spent (assistance and working funds),
the county's budget lines, the towns' spending entries and their vouchers."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.money import parse_yuan
from jiuzhu.core.permissions import require_page
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import in_area
from jiuzhu.funds import selectors, working
from jiuzhu.funds.models import WorkingFundKind
from jiuzhu.funds.views import _year


def _town(request: HttpRequest, user: User) -> Region:
    town = (
        Region.objects.filter(code=request.POST.get("town", ""), level=RegionLevel.TOWN)
        .filter(in_area(user, "code"))
        .first()
    )
    if town is None:
        raise DomainError("请选择乡镇。", field="town")
    return town


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DomainError("支出日期格式应为 YYYY-MM-DD。", field="spent_on") from None


def _save(request: HttpRequest, user: User, year: int) -> None:
    if request.POST.get("action") == "budget":
        working.set_working_budget(
            user,
            year,
            _town(request, user),
            request.POST.get("kind", ""),
            parse_yuan(request.POST.get("amount", "")),
            request.POST.get("note", ""),
        )
        messages.success(request, "工作经费预算已保存。")
    elif request.POST.get("action") == "spending":
        working.record_spending(
            user,
            _town(request, user),
            request.POST.get("kind", ""),
            _day(request.POST.get("spent_on", "")),
            parse_yuan(request.POST.get("amount", "")),
            request.POST.get("purpose", ""),
            request.FILES.get("evidence"),
            request.POST.get("voucher_no", ""),
        )
        messages.success(request, "工作经费支出已登记。")
    else:
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def working_funds(request: HttpRequest) -> HttpResponse:
    """Each town's assistance and working funds of a year, received and spent."""
    user = require_page(request, Capability.VIEW_PAYROLL)
    year = (
        _year(request)
        if (request.GET.get("year") or request.POST.get("year"))
        else timezone.localdate().year
    )
    if request.method == "POST":
        with refusals_shown(request):
            _save(request, user, year)
        return redirect(f"{request.path}?year={year}")
    towns = selectors.town_funds(user, year)
    context: dict[str, Any] = {
        "year": year,
        "towns": towns,
        "kinds": WorkingFundKind.choices,
        "entries": selectors.working_spending(user, year)[:200],
        "can_budget": user.can(Capability.MANAGE_BUDGETS),
        "can_spend": user.can(Capability.RECORD_WORKING_FUNDS),
        "today": timezone.localdate(),
    }
    return render(request, "funds/working.html", context)


@login_required
def voucher(request: HttpRequest, pk: int) -> FileResponse:
    """A spending entry's voucher, to staff who see the town's funds."""
    user = require_page(request, Capability.VIEW_PAYROLL)
    entry = selectors.spending_entry(user, pk)
    if entry is None:
        raise Http404
    path = working.evidence_root() / entry.evidence_path
    if not path.is_file():
        raise Http404
    return FileResponse(open(path, "rb"), content_type=entry.evidence_type)
