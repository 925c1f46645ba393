"""Fault tolerance, the task plan and the towns' evaluation."""

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from openpyxl import Workbook

from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import posted, refusals_shown
from jiuzhu.core.permissions import require_page
from jiuzhu.core.roles import Capability
from jiuzhu.oversight import evaluation, integrity, selectors, tasks
from jiuzhu.oversight.views.common import whole_number


@login_required
@require_http_methods(["GET", "POST"])
def faults(request: HttpRequest) -> HttpResponse:
    """Fault-tolerance reviews (容错纠错) of the area, and recording one."""
    user = require_page(request, Capability.SUPERVISE)
    if request.method == "POST":
        staff_id, error, conclusion, corrected = posted(
            request, "staff", "error", "conclusion", "corrected_on"
        )
        with refusals_shown(request):
            integrity.review_fault(
                user,
                selectors.staff_in_area(user).filter(pk=whole_number(staff_id)).first(),
                error,
                request.POST.getlist("conditions"),
                conclusion,
                _date(corrected),
            )
            messages.success(request, "复核结论已记录。")
        return redirect("oversight:faults")
    return render(
        request,
        "oversight/faults.html",
        {
            "records": selectors.fault_records_for(user)[:200],
            "staff": selectors.staff_in_area(user).exclude(pk=user.pk),
            "conditions": integrity.TOLERANCE_CONDITIONS,
        },
    )


def _date(value: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DomainError("纠正日期格式不正确。", field="corrected_on") from None


@login_required
@require_http_methods(["GET", "POST"])
def task_board(request: HttpRequest) -> HttpResponse:
    """The leading group's page: the twelve tasks, each unit's latest report, overdue."""
    user = require_page(request, Capability.TRACK_TASKS)
    unit = tasks.unit_of(user)
    if request.method == "POST":
        number, percent, text, evidence = posted(request, "task", "percent", "report", "evidence")
        with refusals_shown(request):
            tasks.report(user, whole_number(number), _percent(percent), text, evidence)
            messages.success(request, "进展已报送。")
        return redirect("oversight:tasks")
    today = timezone.localdate()
    return render(
        request,
        "oversight/tasks.html",
        {
            "rows": tasks.board(today),
            "unit": unit,
            "mine": [t for t in tasks.planned() if unit and unit in t.units],
        },
    )


def _percent(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise DomainError("完成进度应在0到100之间。", field="percent") from None


@login_required
def evaluation_page(request: HttpRequest) -> HttpResponse:
    """Each town's yearly score with its breakdown (page, or Excel with ?format=xlsx)."""
    user = require_page(request, Capability.TRACK_TASKS)
    try:
        year = min(max(int(request.GET.get("year", "")), 2000), 2100)
    except ValueError:
        year = timezone.localdate().year
    scores = evaluation.evaluate(user, year)
    if request.GET.get("format") == "xlsx":
        return _evaluation_xlsx(year, scores)
    return render(
        request,
        "oversight/evaluation.html",
        {"year": year, "scores": scores, "indicators": evaluation.INDICATORS},
    )


def _evaluation_xlsx(year: int, scores: list[evaluation.TownScore]) -> HttpResponse:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{year}年绩效评价")
    labels = [label for _, label in evaluation.INDICATORS]
    sheet.append(["镇（街道）", *labels, "不予容错失误", "得分"])
    for row in scores:
        shares = [row.share(code) for code, _ in evaluation.INDICATORS]
        sheet.append(
            [
                row.town.name,
                *["" if s is None else f"{s * 100:.1f}%" for s in shares],
                row.faults,
                float(row.score),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="evaluation_{year}.xlsx"'
    return response
