"""Pages: officers import extracts; staff start jobs, follow progress, read reports."""

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from openpyxl import Workbook

from jiuzhu.core import lists, tasks
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import User
from jiuzhu.core.permissions import found_or_404, page_object, require_page
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import one_of
from jiuzhu.core.services import log_access
from jiuzhu.registry.selectors import household_by_number
from jiuzhu.verification import jobs, selectors, services
from jiuzhu.verification.matching import REASONS
from jiuzhu.verification.models import Conclusion, Engine, JobStatus, VerificationJob
from jiuzhu.verification.sources import SOURCE_CHOICES, SOURCES


class UploadForm(forms.Form):
    source = forms.ChoiceField(label="数据来源", choices=SOURCE_CHOICES)
    extract_date = forms.DateField(
        label="数据截止日期", widget=forms.DateInput(attrs={"type": "date"})
    )
    file = forms.FileField(label="数据文件（CSV：UTF-8或GBK；或 XLSX）")


@contextmanager
def _saved_upload(upload: UploadedFile) -> Iterator[Path]:
    """The upload streamed to a file in chunks (big files never sit in memory), then removed."""
    with tempfile.NamedTemporaryFile(
        dir=services.extracts_dir().parent, suffix=Path(upload.name or "").suffix, delete=False
    ) as handle:
        for piece in upload.chunks():
            handle.write(piece)
        path = Path(handle.name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


@login_required
@require_http_methods(["GET", "POST"])
def extracts(request: HttpRequest) -> HttpResponse:
    """Upload an extract (officers); the list of the extracts imported."""
    user = require_page(request, Capability.IMPORT_EXTRACTS)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with _saved_upload(upload) as path, refusals_shown(request, form):
            outcome = services.import_extract(
                user,
                form.cleaned_data["source"],
                form.cleaned_data["extract_date"],
                path,
                upload.name,
            )
            messages.info(request, outcome.message)
            return redirect("verification:extract", outcome.extract.pk)
    page = Paginator(selectors.extracts_for(user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "verification/extracts.html",
        {"form": form, "page": page, "sources": SOURCES.values()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def extract_detail(request: HttpRequest, extract_id: int) -> HttpResponse:
    """One extract and its errors; the officer keeps the valid rows or rejects it."""
    user = require_page(request, Capability.IMPORT_EXTRACTS)
    extract = found_or_404(one_of(selectors.extracts_for(user), extract_id))
    if request.method == "POST":
        with refusals_shown(request):
            services.decide_extract(
                user, extract.pk, keep_valid=request.POST.get("decision") == "keep"
            )
            messages.success(request, "已处理。")
        return redirect("verification:extract", extract.pk)
    return render(request, "verification/extract.html", {"extract": extract})


class JobForm(forms.Form):
    household = forms.CharField(
        label="户号（留空则核对辖区内全部已授权家庭）", required=False, max_length=20
    )
    engine = forms.ChoiceField(label="计算引擎", choices=Engine.choices, initial=Engine.DUCKDB)


@login_required
@require_http_methods(["GET", "POST"])
def jobs_view(request: HttpRequest) -> HttpResponse:
    """The jobs in the user's area; start one (whole area or one household)."""
    user = require_page(request, Capability.VIEW_VERIFICATION)
    form = JobForm(request.POST or None)
    if request.method == "POST":
        require_page(request, Capability.RUN_VERIFICATION)
        if form.is_valid():
            household = None
            if form.cleaned_data["household"]:
                household = household_by_number(user, form.cleaned_data["household"])
                if household is None:
                    form.add_error("household", "本辖区没有该户号的家庭，请核对户号。")
            if not form.errors:
                with refusals_shown(request, form):
                    job = services.create_job(
                        user, household=household, engine=form.cleaned_data["engine"]
                    )
                    services.launch_in_background(job)
                    return redirect("verification:job", job.pk)
    page = Paginator(selectors.jobs_for(user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "verification/jobs.html",
        {"form": form, "page": page, "can_run": user.can(Capability.RUN_VERIFICATION)},
    )


def _job_or_404(request: HttpRequest, job_id: int) -> tuple[User, VerificationJob]:
    """The signed-in user and the job asked for, if they may see it (404 otherwise)."""
    return page_object(request, Capability.VIEW_VERIFICATION, selectors.job_for, job_id)


def _stale(job: VerificationJob) -> bool:
    return job.status == JobStatus.FAILED or (
        job.status == JobStatus.RUNNING
        and job.heartbeat_at is not None
        and job.heartbeat_at < timezone.now() - jobs.STALE_AFTER
    )


REPORT_COLUMNS = [
    lists.Column("户号", "household__number"),
    lists.Column("结论", "conclusion", choices=dict(Conclusion.choices)),
    lists.Column("核实月收入（元）", "income_fen", "fen"),
    lists.Column("申报月收入（元）", "declared_income_fen", "fen"),
    lists.Column("金融资产（元）", "financial_fen", "fen"),
    lists.Column("车辆", "vehicles", "count", total=True),
    lists.Column("房产", "houses", "count", total=True),
    lists.Column("工商登记", "businesses", "count", total=True),
]


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponseBase:
    """A job's summary by town and its households with findings (access logged): filtered
    by conclusion, sorted by a column, paged, exported as filtered."""
    user, job = _job_or_404(request, job_id)
    log_access(user, "page", "VerificationJob", job.pk, None, request)
    conclusion = request.GET.get("conclusion", "")
    reports = selectors.households_with_findings(user, job).select_related("household")
    if conclusion in (Conclusion.NEEDS_EXPLANATION, Conclusion.OVER_LIMIT):
        reports = reports.filter(conclusion=conclusion)
    sort = lists.sorting(request, REPORT_COLUMNS)
    reports = lists.sorted_rows(reports, REPORT_COLUMNS, sort)
    if request.GET.get("format") == "xlsx":
        return lists.xlsx_response(
            f"verification_{job.pk}_findings", "有发现的家庭", REPORT_COLUMNS, reports
        )
    return render(
        request,
        "verification/job.html",
        {
            "job": job,
            "towns": selectors.summary_by_town(user, job),
            "page": lists.page(request, reports),
            "headers": lists.headers(request, REPORT_COLUMNS, sort),
            "query_string": lists.page_query(request),
            "export": lists.export_query(request),
            "conclusion": conclusion,
            "conclusions": [
                (c.value, c.label) for c in (Conclusion.NEEDS_EXPLANATION, Conclusion.OVER_LIMIT)
            ],
            "stale": _stale(job),
            "can_run": user.can(Capability.RUN_VERIFICATION),
        },
    )


@login_required
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    tasks.supervise_now_and_then()  # a job whose worker died resumes while someone watches
    _user, job = _job_or_404(request, job_id)
    response = render(request, "verification/_progress.html", {"job": job, "stale": _stale(job)})
    if job.status == JobStatus.DONE:
        response["HX-Refresh"] = "true"  # show the finished summary
    return response


@login_required
@require_POST
def job_resume(request: HttpRequest, job_id: int) -> HttpResponse:
    require_page(request, Capability.RUN_VERIFICATION)
    _user, job = _job_or_404(request, job_id)
    if _stale(job):
        services.launch_in_background(job)
        messages.info(request, "已重新启动，将从中断处继续。")
    return redirect("verification:job", job.pk)


@login_required
def job_export(request: HttpRequest, job_id: int) -> HttpResponse:
    """The summary and the households with findings as an Excel workbook (access logged)."""
    user, job = _job_or_404(request, job_id)
    log_access(user, "page", "VerificationJob", job.pk, None, request)
    book = Workbook(write_only=True)
    towns = book.create_sheet("按镇汇总")
    towns.append(["镇（街道）", "核对户数", "一致", "需说明", "超出标准"])
    for row in selectors.summary_by_town(user, job):
        towns.append([row.town, row.total, row.consistent, row.needs_explanation, row.over_limit])
    sheet = book.create_sheet("有发现的家庭")
    sheet.append(
        [
            "镇（街道）代码",
            "户编号",
            "结论",
            "原因",
            "核实月收入（元）",
            "申报月收入（元）",
            "金融资产（元）",
            "车辆",
            "房产",
            "工商登记",
            "死亡成员",
            "财政供养成员",
        ]
    )
    for household_report in selectors.households_with_findings(user, job).iterator(chunk_size=2000):
        sheet.append(
            [
                household_report.town_code,
                household_report.household.number,
                household_report.get_conclusion_display(),
                "；".join(REASONS.get(code, code) for code in household_report.reasons),
                household_report.income_fen / 100,
                household_report.declared_income_fen / 100,
                household_report.financial_fen / 100,
                household_report.vehicles,
                household_report.houses,
                household_report.businesses,
                household_report.deaths,
                household_report.payroll_members,
            ]
        )
    out = BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="verification-{job.pk}-{dt.date.today():%Y%m%d}.xlsx"'
    )
    return response


@login_required
def report(request: HttpRequest, job_id: int, household_id: int) -> HttpResponse:
    user, view = page_object(
        request, Capability.VIEW_VERIFICATION, selectors.report_for, job_id, household_id
    )
    log_access(user, "page", "VerificationReport", view.report.pk, household_id, request)
    return render(request, "verification/report.html", {"view": view})
