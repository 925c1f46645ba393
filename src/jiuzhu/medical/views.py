"""Pages: the town's bills with year-to-date per person, entry, import, approval, and the
bank files of post-settlement payments."""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core import tasks
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.money import format_yuan
from jiuzhu.core.permissions import found_or_404, page_object, require_page
from jiuzhu.core.roles import Capability
from jiuzhu.medical import importer, jobs, selectors, services
from jiuzhu.medical.forms import BillForm
from jiuzhu.medical.models import BillSource, BillStatus


def _year(request: HttpRequest) -> int:
    try:
        return min(max(int(request.GET.get("year", "")), 2000), 2100)
    except ValueError:
        return timezone.localdate().year


@login_required
def bills(request: HttpRequest) -> HttpResponse:
    """The year's bills of the area, with what each person was granted in the year so far."""
    user = require_page(request, Capability.VIEW_PAYROLL)
    year = _year(request)
    status = request.GET.get("status", "")
    if status not in BillStatus.values:
        status = ""
    return render(
        request,
        "medical/bills.html",
        {
            "year": year,
            "status": status,
            "statuses": BillStatus.choices,
            "bills": selectors.bill_list(user, year, status),
            "can_enter": user.can(Capability.PREPARE_PAYROLL),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def bill_new(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.PREPARE_PAYROLL)
    form = BillForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request, form):
            (bill,) = services.record_bills(user, [form.to_input()], BillSource.ENTERED)
            messages.success(
                request, f"已录入，按政策计算救助 {format_yuan(bill.amount_fen)} 元，待审批。"
            )
            return redirect("medical:bill", bill.pk)
    return render(request, "medical/bill_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def bill_import(request: HttpRequest) -> HttpResponse:
    """The medical insurance bureau's extract: stored and imported by a background task
    (every row recorded, or none), whose progress this page then follows."""
    user = require_page(request, Capability.PREPARE_PAYROLL)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要导入的文件。")
        else:
            with refusals_shown(request):
                queued = jobs.queue_import(user, upload.name or "", upload.chunks())
                return redirect(f"{reverse('medical:bill_import')}?task={queued.pk}")
        return redirect("medical:bill_import")
    job = tasks.task_for(user, request.GET.get("task", ""), jobs.TASK_KIND)
    context = {"columns": list(importer.COLUMNS), "task": job}
    if request.GET.get("partial") and job is not None:
        return render(request, "medical/_import_task.html", context)
    return render(request, "medical/bill_import.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def bill(request: HttpRequest, bill_id: int) -> HttpResponse:
    """One bill with its calculation; the approver decides here."""
    user, found = page_object(request, Capability.VIEW_PAYROLL, selectors.bill_for, bill_id)
    if request.method == "POST":
        with refusals_shown(request):
            decided = services.approve(user, found)
            messages.success(request, f"已审批：{decided.get_status_display()}。")
        return redirect("medical:bill", found.pk)
    return render(
        request,
        "medical/bill.html",
        {
            "bill": found,
            "can_approve": user.can(Capability.APPROVE_PAYROLL)
            and found.status == BillStatus.PROPOSED
            and found.entered_by_id != user.pk,
        },
    )


@login_required
def batches(request: HttpRequest) -> HttpResponse:
    """The bank files made, and the bills waiting for one."""
    user = require_page(request, Capability.VIEW_PAYROLL)
    return render(
        request,
        "medical/batches.html",
        {
            "batches": selectors.batches_in_scope(user),
            "waiting": selectors.bills_in_scope(user)
            .filter(status=BillStatus.APPROVED)
            .select_related("person"),
            "can_make": user.can(Capability.PREPARE_PAYROLL),
        },
    )


@login_required
@require_POST
def batches_make(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.PREPARE_PAYROLL)
    with refusals_shown(request):
        made = services.make_payment_files(user)
        messages.success(
            request,
            f"已生成 {len(made)} 个银行发放文件，共 {sum(b.rows for b in made)} 笔，"
            f"{format_yuan(sum(b.total_fen for b in made))} 元。",
        )
    return redirect("medical:batches")


@login_required
def batch_file(request: HttpRequest, batch_id: int) -> FileResponse:
    """The bank file itself (full ID numbers): only for those who prepare payments."""
    user = require_page(request, Capability.PREPARE_PAYROLL)
    batch = found_or_404(selectors.batch_for(user, batch_id))
    if not Path(batch.stored_path).exists():
        raise Http404
    return FileResponse(
        open(batch.stored_path, "rb"),
        as_attachment=True,
        filename=f"医疗救助发放文件_{batch.pk}_{batch.bank}.csv",
    )
