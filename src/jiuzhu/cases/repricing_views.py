"""Pages: re-pricing the recipients after a new standard, by programme and town, and its
confirmation.

The county administrator starts the computation (a background task) and confirms it;
county supervisors and auditors may look, never confirm."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core import tasks
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import User
from jiuzhu.core.months import parse_month
from jiuzhu.core.permissions import staff
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability, Role
from jiuzhu.policy.parameters import ParameterSet

from .models import Repricing
from .repricing import REPRICED, confirm_repricing, parameters_digest

WATCHERS = (Role.COUNTY_SUPERVISOR, Role.AUDITOR)
TOTALS = ("raised", "lowered", "phase_out", "review", "old_fen", "new_fen", "arrears_fen")


def _total(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {name: sum(row[name] for row in rows) for name in TOTALS}


def by_programme(run: Repricing) -> list[dict[str, Any]]:
    """The run's town rows grouped by programme (Chinese name, towns, subtotal), in the
    programmes' order; a row without a programme is from a run of dibao alone."""
    groups = []
    for programme in REPRICED:
        rows = [t for t in run.towns if t.get("programme", Programme.DIBAO) == programme]
        if rows:
            groups.append({"name": programme.label, "towns": rows, "total": _total(rows)})
    return groups


def _viewer(request: HttpRequest) -> User:
    """The county administrator, or a county supervisor or auditor (404 for anyone else)."""
    user = staff(request)
    if not (user.can(Capability.MANAGE_STANDARDS) or user.role in WATCHERS):
        raise Http404
    return user


@login_required
@require_http_methods(["GET", "POST"])
def repricing_list(request: HttpRequest) -> HttpResponse:
    """The runs, and (county administrator) a new run from an effective month."""
    user = _viewer(request)
    if request.method == "POST":
        with refusals_shown(request):
            if not user.can(Capability.MANAGE_STANDARDS):
                raise PermissionError("无权制定救助标准与政策参数。")
            month = parse_month(request.POST.get("month", ""))
            ParameterSet.load(month)  # a month with no parameters is refused now, not later
            queued = tasks.enqueue(
                user, "cases.reprice", {"month": month.isoformat(), "actor": user.pk}
            )
            return redirect(f"{reverse('cases:repricing')}?task={queued.pk}")
        return redirect("cases:repricing")
    job = tasks.task_for(user, request.GET.get("task", ""), "cases.reprice")
    context = {
        "task": job,
        "runs": Repricing.objects.select_related("created_by", "confirmed_by")[:20],
        "may_run": user.can(Capability.MANAGE_STANDARDS),
        "month": timezone.localdate().strftime("%Y-%m"),
    }
    if request.GET.get("partial") and job is not None:
        return render(request, "cases/_repricing_task.html", context)
    return render(request, "cases/repricing_list.html", context)


@login_required
def repricing_detail(request: HttpRequest, repricing_id: int) -> HttpResponse:
    """The changes by town, their totals, and the confirmation."""
    user = _viewer(request)
    run = get_object_or_404(Repricing.objects.select_related("confirmed_by"), pk=repricing_id)
    context = {
        "run": run,
        "may_confirm": user.can(Capability.MANAGE_STANDARDS)
        and run.state == Repricing.State.COMPUTED,
        "stale": run.state == Repricing.State.COMPUTED
        and run.parameters_digest != parameters_digest(),
        "programmes": by_programme(run),
        "total": _total(run.towns),
    }
    return render(request, "cases/repricing_detail.html", context)


@login_required
@require_POST
def repricing_confirm(request: HttpRequest, repricing_id: int) -> HttpResponse:
    user = _viewer(request)
    run = get_object_or_404(Repricing, pk=repricing_id)
    with refusals_shown(request):
        changed = confirm_repricing(run, user)
        messages.success(request, f"已确认：{changed} 户救助对象自生效月份起按新标准发放。")
    return redirect("cases:repricing_detail", repricing_id=run.pk)
