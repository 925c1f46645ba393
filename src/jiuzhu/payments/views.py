"""Pages of the payroll steps, bank files and results, accounts and recovery claims."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core import lists, tasks
from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import posted, refusals_shown
from jiuzhu.core.idnumber import mask
from jiuzhu.core.models import User
from jiuzhu.core.money import format_yuan, parse_yuan
from jiuzhu.core.months import parse_month
from jiuzhu.core.permissions import found_or_404, page_object, require_page
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.payments import files, selectors, services
from jiuzhu.payments.models import (
    BankAccount,
    ClaimStatus,
    FileFormat,
    LineKind,
    PaymentFile,
    Payroll,
    Reason,
    ResultStatus,
    line_ref,
)
from jiuzhu.payments.payroll import Rules
from jiuzhu.payments.workflow import PayrollAction, offered
from jiuzhu.policy import selectors as policy_selectors
from jiuzhu.registry.selectors import household_by_number, household_for

ACCOUNT_REQUESTED = "账户变更已提交，经审核人员审核后生效（此前原账户继续有效）。"


def _payroll_page(request: HttpRequest, payroll_id: int) -> tuple[User, Payroll]:
    """The signed-in user and the payroll asked for, if it lies in the user's area."""
    return page_object(request, Capability.VIEW_PAYROLL, selectors.payroll_for, payroll_id)


def _prepare(request: HttpRequest, user: User) -> HttpResponse:
    """A re-issue payroll at once, or a month's payrolls as a background task (whose page
    then follows it)."""
    month = parse_month(request.POST.get("month", ""))
    town = request.POST.get("town", "")
    if request.POST.get("reissue"):
        chosen = services.towns_in_scope(user, town)
        if len(chosen) != 1:
            raise DomainError("补发名册请选择一个乡镇。", field="town")
        payroll = services.prepare_reissue(user, chosen[0], month)
        messages.success(request, f"已生成补发名册，共 {payroll.line_count} 笔。")
        return redirect("payments:detail", payroll.pk)
    services.towns_in_scope(user, town)  # refuse an unknown town now
    Rules.load(month)  # and a month without a standard
    queued = tasks.enqueue(
        user, "payments.prepare", {"actor": user.pk, "month": month.isoformat(), "town": town}
    )
    return redirect(f"{reverse('payments:list')}?task={queued.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def payroll_list(request: HttpRequest) -> HttpResponse:
    """List, and prepare a month (always as a background task: a county-wide run reads
    every town's recipients; one town takes well under a second but shares the path)."""
    user = require_page(request, Capability.VIEW_PAYROLL)
    towns = services.towns_in_scope(user)
    if request.method == "POST":
        if not user.can(Capability.PREPARE_PAYROLL):
            raise Http404
        with refusals_shown(request):
            return _prepare(request, user)
        return redirect("payments:list")
    job = tasks.task_for(user, request.GET.get("task", ""), "payments.prepare")
    context: dict[str, Any] = {
        "payrolls": selectors.payrolls_in_scope(user)[:100],
        "towns": towns,
        "task": job,
        # After a run the form keeps its month, so a second click cannot silently switch.
        "month": job.params["month"][:7] if job else timezone.localdate().strftime("%Y-%m"),
        "can_prepare": user.can(Capability.PREPARE_PAYROLL),
    }
    if request.GET.get("partial") and job is not None:
        return render(request, "payments/_task.html", context)
    return render(request, "payments/list.html", context)


@login_required
def payroll_detail(request: HttpRequest, payroll_id: int) -> HttpResponse:
    """A payroll: totals, differences from last month, the steps the user may take."""
    user, payroll = _payroll_page(request, payroll_id)
    # Totals are stored by code; the page names them.
    by_programme = sorted(
        (Programme(code).label, t) for code, t in (payroll.totals.get("by_programme") or {}).items()
    )
    by_kind = [(LineKind(k).label, t) for k, t in (payroll.totals.get("by_kind") or {}).items()]
    return render(
        request,
        "payments/detail.html",
        {
            "payroll": payroll,
            "by_programme": by_programme,
            "by_kind": by_kind,
            "report": payroll.check_report,
            "files": payroll.files.all(),
            "banks": files.banks_of(payroll) if payroll.locked else [],
            "offered": offered(user, payroll),
            "formats": FileFormat.choices,
            "pending_accounts": selectors.pending_accounts(user, payroll),
            "without_account": selectors.without_account(payroll),
            "can_record_accounts": user.can(Capability.PREPARE_PAYROLL),
            "standard_breaches": policy_selectors.breaches_in_month(payroll.month),
        },
    )


@login_required
@require_POST
def account_review(
    request: HttpRequest, payroll_id: int, account_id: int, decision: str
) -> HttpResponse:
    """Approve or reject an account change listed on the payroll's page (maker-checker:
    payments/accounts.py); the outcome is shown on the payroll's page."""
    user, payroll = _payroll_page(request, payroll_id)
    account = found_or_404(selectors.pending_accounts(user, payroll).filter(pk=account_id).first())
    if decision not in ("approve", "reject"):
        raise Http404
    with refusals_shown(request):
        if decision == "approve":
            services.approve_account(user, account)
            messages.success(request, "账户变更已审核通过，新账户生效。")
        else:
            services.reject_account(user, account, request.POST.get("reason", ""))
            messages.success(request, "账户变更已驳回。")
    return redirect("payments:detail", payroll.pk)


def _check(request: HttpRequest, user: User, payroll: Payroll) -> HttpResponse:
    services.check_payroll(user, payroll)
    messages.success(request, "已审查，差异见下方。")
    return redirect("payments:detail", payroll.pk)


def _approve(request: HttpRequest, user: User, payroll: Payroll) -> HttpResponse:
    services.approve_payroll(user, payroll)
    messages.success(request, "已审批，名册已锁定。")
    return redirect("payments:detail", payroll.pk)


def _discard(request: HttpRequest, user: User, payroll: Payroll) -> HttpResponse:
    services.discard_payroll(user, payroll, request.POST.get("reason", ""))
    messages.success(request, "名册已作废，可重新生成。")
    return redirect("payments:list")


def _file(request: HttpRequest, user: User, payroll: Payroll) -> HttpResponse:
    made = files.make_payment_file(
        user, payroll, request.POST.get("bank", ""), request.POST.get("format", FileFormat.CSV)
    )
    messages.success(
        request,
        f"已生成{made.bank}发放文件：{made.rows} 笔，合计 {format_yuan(made.total_fen)} 元。",
    )
    return redirect("payments:detail", payroll.pk)


RESULTS_MAX_BYTES = 50 * 1024 * 1024


def _results(request: HttpRequest, user: User, payroll: Payroll) -> HttpResponse:
    upload = request.FILES.get("file")
    chosen = PaymentFile.objects.filter(
        pk=request.POST.get("payment_file") or 0, payroll=payroll
    ).first()
    if upload is None or chosen is None:
        raise DomainError("请选择发放文件并上传银行回盘文件。")
    if upload.size is not None and upload.size > RESULTS_MAX_BYTES:
        raise DomainError("回盘文件过大（最多50MB）。")
    summary = files.import_results(user, chosen, upload.name or "", upload.read())
    messages.success(
        request, f"回盘已导入：成功 {summary['paid']} 笔，失败 {summary['failed']} 笔。"
    )
    return redirect("payments:detail", payroll.pk)


# Each action of the transition table (workflow.TRANSITIONS) and the page step that takes it.
ACTS: dict[str, Callable[[HttpRequest, User, Payroll], HttpResponse]] = {
    PayrollAction.CHECK: _check,
    PayrollAction.APPROVE: _approve,
    PayrollAction.DISCARD: _discard,
    PayrollAction.FILE: _file,
    PayrollAction.RESULTS: _results,
}


@login_required
@require_POST
def payroll_act(request: HttpRequest, payroll_id: int, action: str) -> HttpResponse:
    """One step of the payroll's transition table, named in the URL."""
    user, payroll = _payroll_page(request, payroll_id)
    if action not in ACTS:
        raise Http404
    with refusals_shown(request):
        return ACTS[action](request, user, payroll)
    return redirect("payments:detail", payroll.pk)


def _line_columns(payroll: Payroll, user: User) -> list[lists.Column]:
    """The lines' columns: the bank reference from the line number, the ID number masked
    by the viewer's role (core/roles.py ID_VISIBILITY)."""
    visibility = user.id_visibility
    return [
        lists.Column("参考号", "line_no", shown=lambda no: line_ref(payroll.pk, no)),
        lists.Column("类型", "kind", choices=dict(LineKind.choices)),
        lists.Column("所属月份", "for_month", "month"),
        lists.Column("姓名", "payee_name"),
        lists.Column("身份证号", "id_number", sortable=False, shown=lambda n: mask(n, visibility)),
        lists.Column("救助项目", "programme", choices=dict(Programme.choices)),
        lists.Column("应发（元）", "amount_fen", "fen", total=True),
        lists.Column("抵扣（元）", "recovery_fen", "fen", total=True),
        lists.Column("实发（元）", "net_fen", "fen", total=True),
        lists.Column("说明", "reason", choices=dict(Reason.choices)),
        lists.Column("开户银行", "bank"),
        lists.Column("回盘", "result__status", choices=dict(ResultStatus.choices)),
    ]


def _lines_xlsx(payroll: Payroll, columns: list[lists.Column], lines: Any) -> FileResponse:
    return lists.xlsx_response(
        f"payroll_{payroll.pk}",
        f"发放名册_{payroll.town.name}_{payroll.month:%Y%m}",
        columns,
        lines,
    )


@login_required
def payroll_lines(request: HttpRequest, payroll_id: int) -> HttpResponseBase:
    """A payroll's lines, 100 a page: filtered, sorted by a column, exported as filtered."""
    user, payroll = _payroll_page(request, payroll_id)
    columns = _line_columns(payroll, user)
    chosen = {
        name: request.GET.get(name, "").strip()[:40]
        for name in ("kind", "programme", "q", "problem")
    }
    lines = selectors.lines_filtered(
        payroll, chosen["kind"], chosen["programme"], chosen["q"], chosen["problem"]
    )
    sort = lists.sorting(request, columns)
    lines = lists.sorted_rows(lines, columns, sort)
    if request.GET.get("format") == "xlsx":
        return _lines_xlsx(payroll, columns, lines)
    return render(
        request,
        "payments/lines.html",
        {
            "payroll": payroll,
            "page": lists.page(request, lines, 100),
            "visibility": user.id_visibility,
            "headers": lists.headers(request, columns, sort),
            "query_string": lists.page_query(request),
            "export": lists.export_query(request),
            "chosen": chosen,
            "kinds": LineKind.choices,
            "programmes": Programme.choices,
            "problems": list(selectors.LINE_PROBLEMS.items()),
        },
    )


@login_required
def payroll_export(request: HttpRequest, payroll_id: int) -> FileResponse:
    """All the lines as Excel for the town's records (ID numbers masked by role)."""
    user, payroll = _payroll_page(request, payroll_id)
    return _lines_xlsx(payroll, _line_columns(payroll, user), selectors.lines_of(payroll))


@login_required
def payment_file(request: HttpRequest, file_id: int) -> FileResponse:
    """The bank file itself (full ID numbers): only for those who prepare payrolls."""
    user = require_page(request, Capability.PREPARE_PAYROLL)
    made = found_or_404(selectors.payment_file_for(user, file_id))
    if not Path(made.stored_path).exists():
        raise Http404
    return FileResponse(
        open(made.stored_path, "rb"),
        as_attachment=True,
        filename=f"发放文件_{made.payroll_id}_{made.bank}.{made.format}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def accounts(request: HttpRequest, household_id: int) -> HttpResponse:
    """A household's bank accounts, and recording or correcting one."""
    user = require_page(request, Capability.PREPARE_PAYROLL)
    household = found_or_404(household_for(user, household_id))
    members = [
        m.person
        for m in household.memberships.filter(end_date__isnull=True).select_related("person")
    ]
    if request.method == "POST":
        person = next((p for p in members if str(p.pk) == request.POST.get("person")), None)
        with refusals_shown(request):
            if person is None:
                raise DomainError("请选择本户成员。")
            services.set_account(
                user,
                household,
                person,
                *posted(request, "bank", "account_number", "holder_name", "note", "holder_reason"),
            )
            messages.success(request, ACCOUNT_REQUESTED)
        return redirect("payments:accounts", household.pk)
    return render(
        request,
        "payments/accounts.html",
        {
            "household": household,
            "members": members,
            "accounts": BankAccount.objects.filter(household=household)
            .select_related("person")
            .order_by("person_id", "-created_at"),
        },
    )


CLAIM_COLUMNS = [
    lists.Column("户号", "household__number"),
    lists.Column("救助项目", "programme", choices=dict(Programme.choices)),
    lists.Column("多发起始月份", "from_month", "month"),
    lists.Column("多发截止月份", "to_month", "month"),
    lists.Column("追回金额（元）", "amount_fen", "fen", total=True),
    lists.Column("已追回（元）", "repaid", "fen", total=True),
    lists.Column("状态", "status", choices=dict(ClaimStatus.choices)),
    lists.Column("原因", "reason"),
]


@login_required
@require_http_methods(["GET", "POST"])
def claims(request: HttpRequest) -> HttpResponseBase:
    """Recovery claims of the area, and recording a new one."""
    user = require_page(request, Capability.VIEW_PAYROLL)
    if request.method == "POST":
        if not user.can(Capability.PREPARE_PAYROLL):
            raise Http404
        with refusals_shown(request):
            number = request.POST.get("household", "").strip()
            if not number:
                raise DomainError("请填写户号。", field="household")
            household = household_by_number(user, number)
            if household is None:
                raise DomainError("本辖区没有该户号的家庭，请核对户号。", field="household")
            claim = services.create_claim(
                user,
                household,
                request.POST.get("programme", Programme.DIBAO),
                parse_month(request.POST.get("from_month", "")),
                parse_month(request.POST.get("to_month", "")),
                parse_yuan(request.POST.get("amount", "")),
                parse_yuan(request.POST.get("instalment", ""), "每月抵扣金额"),
                request.POST.get("reason", ""),
            )
            messages.success(request, "已登记多发追回。")
            return redirect("payments:claim", claim.pk)
        return redirect("payments:claims")
    chosen = {name: request.GET.get(name, "").strip()[:40] for name in ("status", "programme", "q")}
    claims = selectors.claims_filtered(user, chosen["status"], chosen["programme"], chosen["q"])
    sort = lists.sorting(request, CLAIM_COLUMNS)
    claims = lists.sorted_rows(claims, CLAIM_COLUMNS, sort)
    if request.GET.get("format") == "xlsx":
        return lists.xlsx_response("recovery_claims", "多发追回", CLAIM_COLUMNS, claims)
    return render(
        request,
        "payments/claims.html",
        {
            "page": lists.page(request, claims),
            "headers": lists.headers(request, CLAIM_COLUMNS, sort),
            "query_string": lists.page_query(request),
            "export": lists.export_query(request),
            "chosen": chosen,
            "statuses": ClaimStatus.choices,
            "programmes": Programme.choices,
            "can_prepare": user.can(Capability.PREPARE_PAYROLL),
        },
    )


def _day(text: str) -> dt.date:
    """A date as the form sends it (YYYY-MM-DD), today when left empty."""
    if not text:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise DomainError("日期格式不正确，应为“年-月-日”，如 2026-12-01。", field="on") from None


@login_required
@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest, claim_id: int) -> HttpResponse:
    """One recovery claim: repayments, recording money paid back, waiving the rest."""
    user = require_page(request, Capability.VIEW_PAYROLL)
    found = found_or_404(selectors.claim_for(user, claim_id))
    if request.method == "POST":
        with refusals_shown(request):
            if request.POST.get("action") == "waive":
                services.waive_claim(user, found, request.POST.get("reason", ""))
                messages.success(request, "已核销。")
            else:
                services.record_collection(
                    user,
                    found,
                    parse_yuan(request.POST.get("amount", "")),
                    _day(request.POST.get("on", "")),
                    request.POST.get("note", ""),
                )
                messages.success(request, "已登记退回。")
        return redirect("payments:claim", found.pk)
    return render(
        request,
        "payments/claim.html",
        {
            "claim": found,
            "balance": services.claim_balance(found),
            "repayments": found.repayments.all(),
            "can_prepare": user.can(Capability.PREPARE_PAYROLL),
            "can_waive": user.can(Capability.APPROVE_PAYROLL) and found.created_by_id != user.pk,
        },
    )
