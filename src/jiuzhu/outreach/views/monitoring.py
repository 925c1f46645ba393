"""The monitoring warnings (each one shown is written to the access log) and the
low-income monitoring list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiuzhu.core import tasks
from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.permissions import found_or_404, require_page
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import log_accesses
from jiuzhu.outreach import forms as outreach_forms
from jiuzhu.outreach import monitoring, selectors, unhelped
from jiuzhu.outreach.views.common import PAGE, household_numbered


@login_required
@require_http_methods(["GET", "POST"])
def monitoring_warnings(request: HttpRequest) -> HttpResponse:
    """The area's monitoring warnings with their evidence; the town records its handling,
    the county starts a run of the rules (a background task)."""
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    today = timezone.localdate()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "run" and user.can(Capability.RUN_MONITORING):
            with refusals_shown(request):
                tasks.enqueue(user, monitoring.TASK_KIND, {"actor": user.pk, "today": str(today)})
                messages.success(request, "已开始运行监测预警规则，完成后新预警将列在下方。")
        elif action == "handle" and user.can(Capability.HANDLE_WARNINGS):
            found = found_or_404(selectors.warning_for(user, request.POST.get("warning", "")))
            form = outreach_forms.HandleWarningForm(request.POST)
            with refusals_shown(request):
                if not form.is_valid():
                    raise DomainError("请选择处置方式并填写处置说明。")
                monitoring.handle_warning(
                    user, found, form.cleaned_data["handling"], form.cleaned_data["note"]
                )
                messages.success(request, "处置情况已记录。")
        else:
            raise Http404
        return redirect("outreach:warnings")
    rows = selectors.warnings_in_area(user)
    waiting = list(rows.filter(handled_at__isnull=True)[:200])
    handled = list(rows.filter(handled_at__isnull=False).order_by("-handled_at")[:50])
    shown = [(warning.pk, warning.household_id) for warning in [*waiting, *handled]]
    log_accesses(user, PAGE, "warning", shown, request)
    return render(
        request,
        "outreach/warnings.html",
        {
            "today": today,
            "open": waiting,
            "overdue": rows.filter(handled_at__isnull=True, handling_due__lt=today).count(),
            "handled": handled,
            "form": outreach_forms.HandleWarningForm()
            if user.can(Capability.HANDLE_WARNINGS)
            else None,
            "can_run": user.can(Capability.RUN_MONITORING),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def monitoring_list(request: HttpRequest) -> HttpResponse:
    """The area's low-income monitoring list by reason, who left it, the monthly "should be
    helped and is not" list; the town adds a household for a reason it has found."""
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    can_add = user.can(Capability.HANDLE_WARNINGS)
    form = outreach_forms.MonitorForm(request.POST or None)
    if request.method == "POST":
        if not can_add:
            raise Http404
        if form.is_valid():
            with refusals_shown(request, form):
                household = household_numbered(user, form.cleaned_data["household_number"])
                monitoring.add_to_list(
                    user, household, form.cleaned_data["reason"], form.cleaned_data["note"]
                )
                messages.success(request, f"已将户编号{household.number}纳入监测。")
                return redirect("outreach:monitoring")
    town = request.GET.get("town", "")
    return render(
        request,
        "outreach/monitoring.html",
        {
            "by_reason": selectors.monitored_by_reason(user),
            "listed": selectors.monitored_in_area(user)[:200],
            "left": selectors.monitoring_history(user)[:50],
            "unhelped": unhelped.unhelped(user, town),
            "town": town,
            "form": form if can_add else None,
        },
    )
