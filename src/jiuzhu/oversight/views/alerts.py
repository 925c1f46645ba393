"""Risk warnings: scan, list with counts by rule and town, handle."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiuzhu.core import tasks as core_tasks
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import User
from jiuzhu.core.permissions import found_or_404, require_page
from jiuzhu.core.roles import Capability
from jiuzhu.oversight import risk, selectors
from jiuzhu.oversight.models import (
    AlertConclusion,
    AlertStatus,
)
from jiuzhu.oversight.rules import RULE_LABELS
from jiuzhu.oversight.views.common import PAGE_SIZE, evidence_added, town_names, whole_number
from jiuzhu.oversight.views.complaints import posted_claim
from jiuzhu.registry.selectors import households_in_scope


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.HANDLE_ALERTS)
    rows = selectors.alerts_for(user)
    rule = request.GET.get("rule", "")
    if rule in RULE_LABELS:
        rows = rows.filter(rule=rule)
    if request.GET.get("open") == "1":
        rows = rows.exclude(status=AlertStatus.CONCLUDED)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/alerts.html",
        {
            "page": page,
            "rule": rule,
            "rules": RULE_LABELS,
            "counts": selectors.alert_counts(user),
            "over_time": selectors.alerts_over_time(user, timezone.localdate()),
            "towns": town_names(),
            "can_scan": user.can(Capability.SUPERVISE),
            "scans": selectors.recent_scans(user),
            "scan_task": core_tasks.task_for(user, request.GET.get("task", ""), risk.TASK_KIND),
        },
    )


@login_required
@require_POST
def alert_scan(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.SUPERVISE)
    with refusals_shown(request):
        queued = risk.start_scan(user)
        return redirect(f"{reverse('oversight:alerts')}?task={queued.pk}")
    return redirect("oversight:alerts")


@login_required
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = require_page(request, Capability.HANDLE_ALERTS)
    alert = found_or_404(selectors.alert_for(user, alert_id))
    return render(
        request,
        "oversight/alert.html",
        {
            "a": alert,
            "rule_label": RULE_LABELS.get(alert.rule, ""),
            "households": households_in_scope(user).filter(
                pk__in=alert.evidence.get("households", [])
            ),
            "town": town_names().get(alert.town_code, ""),
            "can_assign": user.can(Capability.SUPERVISE) and alert.status != AlertStatus.CONCLUDED,
            "candidates": selectors.alert_handler_candidates(user, alert),
            "can_conclude": alert.handler_id == user.pk and alert.status == AlertStatus.ASSIGNED,
            "conclusions": AlertConclusion.choices,
            "follow_ups": alert.follow_ups.select_related("case", "claim"),
            "files": alert.files.all(),
            "can_upload": alert.status != AlertStatus.CONCLUDED,
        },
    )


@login_required
@require_POST
def alert_act(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = require_page(request, Capability.HANDLE_ALERTS)
    alert = found_or_404(selectors.alert_for(user, alert_id))
    action = request.POST.get("action", "")
    with refusals_shown(request):
        if action == "assign":
            handler = User.objects.filter(pk=whole_number(request.POST.get("handler"))).first()
            if handler is None:
                messages.error(request, "请选择承办人。")
            else:
                risk.assign_alert(user, alert, handler)
                messages.success(request, "已分派。")
        elif action == "evidence":
            messages.success(request, evidence_added(request, user, alert))
        elif action == "conclude":
            conclusion = request.POST.get("conclusion", "")
            risk.conclude_alert(
                user,
                alert,
                conclusion,
                request.POST.get("note", ""),
                posted_claim(request, conclusion == AlertConclusion.RECOVERY),
            )
            messages.success(request, "预警已办结。")
        else:
            raise Http404
    return redirect(reverse("oversight:alert", args=[alert.pk]))
