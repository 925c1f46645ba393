"""Fault tolerance, the task plan and the towns' evaluation."""

import datetime as dt
import io
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from openpyxl import Workbook

from jiuzhu.core import tasks as core_tasks
from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import posted, refusals_shown
from jiuzhu.core.permissions import require_page
from jiuzhu.core.roles import Capability
from jiuzhu.oversight import evaluation, integrity, selectors, tally, tasks
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
@require_http_methods(["GET", "POST"])
def evaluation_page(request: HttpRequest) -> HttpResponse:
    """Each town's yearly score with its breakdown (page, or Excel with ?format=xlsx); a
    POST counts the year again in the background."""
    user = require_page(request, Capability.TRACK_TASKS)
    try:
        year = min(max(int(request.GET.get("year") or request.POST.get("year", "")), 2000), 2100)
    except ValueError:
        year = timezone.localdate().year
    if request.method == "POST":
        with refusals_shown(request):
            queued = tally.start_tally(user, year)
            return redirect(f"{reverse('oversight:evaluation')}?year={year}&task={queued.pk}")
        return redirect(f"{reverse('oversight:evaluation')}?year={year}")
    result = evaluation.evaluate(user, year)
    if request.GET.get("format") == "xlsx":
        return _evaluation_xlsx(result)
    return render(
        request,
        "oversight/evaluation.html",
        {
            "year": year,
            "result": result,
            "indicators": evaluation.INDICATORS,
            "weights": [
                (label, weight * 100)
                for (_, label), weight in zip(
                    evaluation.INDICATORS, result.weights.weights, strict=True
                )
            ],
            "task": core_tasks.task_for(user, request.GET.get("task", ""), tally.TASK_KIND),
        },
    )


def _percent_text(share: Decimal | None) -> str:
    return "" if share is None else f"{share * 100:.1f}%"


def _evaluation_xlsx(result: evaluation.Evaluation) -> HttpResponse:
    """Two sheets: the scores with each indicator's share, done and due; then each
    indicator of each town month by month."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{result.year}年绩效评价")
    labels = [label for _, label in evaluation.INDICATORS]
    sheet.append(["镇（街道）", *labels, "不予容错失误", "得分"])
    for row in result.scores:
        sheet.append(
            [
                row.town.name,
                *[_percent_text(row.share(code)) for code, _ in evaluation.INDICATORS],
                row.faults,
                float(row.score),
            ]
        )
    months = book.create_sheet("分月明细")
    months.append(["镇（街道）", "指标", *[f"{m}月" for m in range(1, 13)], "全年完成", "全年应办"])
    for row in result.scores:
        for code, label in evaluation.INDICATORS:
            done, due = row.counts[code]
            months.append(
                [
                    row.town.name,
                    label,
                    *[f"{d}/{n}" if n else "" for d, n in row.months[code]],
                    done,
                    due,
                ]
            )
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="evaluation_{result.year}.xlsx"'
    return response
