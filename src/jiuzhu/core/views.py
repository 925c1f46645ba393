import datetime as dt
import functools
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db.models import CharField, Count
from django.db.models.functions import Concat
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core import lists, selectors, services
from jiuzhu.core.auth import LOGIN_FAILED, attempt_password, signed_in
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import AccessLog, RegionLevel, User, WorkingDayOverride
from jiuzhu.core.permissions import require_page
from jiuzhu.core.roles import Capability, Role, two_factor_required
from jiuzhu.core.two_factor import has_two_factors
from jiuzhu.core.workdays import Calendar


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput, max_length=200)


def safe_next(request: HttpRequest) -> str:
    """The ``next`` page asked for, when it is on this site; "" otherwise."""
    target = request.GET.get("next", "")
    return target if url_has_allowed_host_and_scheme(target, {request.get_host()}) else ""


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Sign in; every refusal reads the same (core/auth.py), and ``next`` stays on this site.
    A user with an authenticator continues to the code step; one who must use two factors
    and has none, to enrolment (core/two_factor_gate.py holds them there)."""
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        user = attempt_password(
            request, form.cleaned_data["username"], form.cleaned_data["password"]
        )
        if user is not None:
            login(request, user)
            target = safe_next(request)
            if has_two_factors(user):
                return _with_next("core:two_factor_verify", target)
            signed_in(request, user)
            if two_factor_required(user):
                return _with_next("core:two_factor_enrol", target)
            return redirect(target or "home")
        error = LOGIN_FAILED
    elif request.method == "POST":
        error = "请输入用户名和密码。"
    return render(request, "core/login.html", {"form": form, "error": error})


def _with_next(name: str, target: str) -> HttpResponse:
    url = reverse(name)
    return redirect(f"{url}?{urlencode({'next': target})}" if target else url)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


class OverrideForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    is_working_day = forms.TypedChoiceField(
        label="类型",
        choices=[("0", "放假（休息日）"), ("1", "调休上班（工作日）")],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label="依据", max_length=100)


@login_required
@require_http_methods(["GET", "POST"])
def calendar_view(request: HttpRequest) -> HttpResponse:
    """The working-day calendar: a year's days off and make-up days, and the overrides form."""
    user = require_page(request, Capability.MANAGE_CALENDAR)
    form = OverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request, form):
            services.set_working_day_override(
                user,
                form.cleaned_data["date"],
                form.cleaned_data["is_working_day"],
                form.cleaned_data["note"],
            )
            messages.success(request, "已保存工作日调整。")
            return redirect("core:calendar")
    try:
        year = int(request.GET.get("year", timezone.localdate().year))
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2000), 2100)
    calendar = Calendar()
    months = []
    for month in range(1, 13):
        first = dt.date(year, month, 1)
        days = []
        day = first
        while day.month == month:
            days.append((day, calendar.is_working_day(day), day.weekday() >= 5))
            day += dt.timedelta(days=1)
        months.append({"first": first, "lead": range(first.weekday()), "days": days})
    return render(
        request,
        "core/calendar.html",
        {
            "form": form,
            "year": year,
            "months": months,
            "overrides": WorkingDayOverride.objects.filter(date__year=year),
        },
    )


@login_required
@require_POST
def calendar_delete(request: HttpRequest, override_id: int) -> HttpResponse:
    user = require_page(request, Capability.MANAGE_CALENDAR)
    with refusals_shown(request):
        services.delete_working_day_override(user, override_id)
        messages.success(request, "已删除工作日调整。")
    return redirect("core:calendar")


class RegionImportForm(forms.Form):
    file = forms.FileField(label="区划CSV文件")

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("文件过大（最多2MB）。")
        raw = upload.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return str(raw.decode(encoding))
            except UnicodeDecodeError:
                continue
        raise forms.ValidationError("无法识别文件编码，请使用UTF-8或GBK编码的CSV。")


@login_required
@require_http_methods(["GET", "POST"])
def regions_view(request: HttpRequest) -> HttpResponse:
    """Import regions from a CSV file (county administrators)."""
    user = require_page(request, Capability.MANAGE_REGIONS)
    form = RegionImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request, form):
            count = services.import_regions_csv(form.cleaned_data["file"], actor=user)
            messages.success(request, f"已导入 {count} 个区划。")
            return redirect("core:regions")
    towns = selectors.regions_in_scope(user, RegionLevel.TOWN).annotate(villages=Count("children"))
    return render(request, "core/regions.html", {"form": form, "towns": towns})


# What an access-log entry was about, in words (the codes views pass to log_access).
ACCESS_OBJECTS = {
    "household": "家庭档案",
    "person": "个人信息",
    "case": "申请案件",
    "document": "申请材料",
    "intake": "受理时查找家庭",
    "VerificationJob": "核对任务",
    "VerificationReport": "核对报告",
    "Complaint": "投诉举报",
    "lead": "困难线索",
    "photo": "线索或探访照片",
    "visit_target": "探访对象",
    "visit": "探访记录",
    "warning": "监测预警",
    "shared_recipient": "共享：救助对象",
    "shared_children": "共享：救助家庭儿童",
    "shared_case": "共享：救助申请",
    "shared_payment": "共享：发放记录",
    "shared_report": "共享：核对报告",
}


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}（{obj.get_role_display()}）"


class AccessLogFilter(forms.Form):
    staff = StaffChoice(
        label="工作人员",
        required=False,
        queryset=User.objects.none(),
        empty_label="全部",
        error_messages={"invalid_choice": "请从列表中选择工作人员。"},
    )
    household = forms.CharField(label="户号", required=False, max_length=20)
    since = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = self.fields["staff"]
        assert isinstance(staff, StaffChoice)
        staff.queryset = selectors.staff_in_area(user)
        for name in ("since", "until"):
            self.fields[name].error_messages["invalid"] = "日期格式不正确。"


STAFF_NAME = Concat("user__last_name", "user__first_name", output_field=CharField())


def _access_columns() -> list[lists.Column]:
    """The access log's columns; a household by its number (looked up once per household)."""
    number = functools.lru_cache(maxsize=10_000)(
        lambda pk: selectors.household_numbers([pk]).get(pk, "")
    )
    return [
        lists.Column("时间", "at", "moment"),
        lists.Column("工作人员", "staff_name"),
        lists.Column("岗位", "user__role", choices=dict(Role.choices)),
        lists.Column("方式", "channel", choices=dict(AccessLog.Channel.choices)),
        lists.Column("对象", "object_type", shown=lambda kind: ACCESS_OBJECTS.get(kind, "其他")),
        lists.Column("户号", "household_id", sortable=False, shown=number),
        lists.Column("IP地址", "ip", sortable=False),
    ]


@login_required
def access_log(request: HttpRequest) -> HttpResponseBase:
    """Auditors search who opened which household file: sorted, paged, exported."""
    user = require_page(request, Capability.VIEW_ACCESS_LOG)
    form = AccessLogFilter(user, request.GET or None)
    entries = selectors.search_access_log(user)
    if form.is_valid():
        entries = selectors.search_access_log(
            user,
            staff=form.cleaned_data["staff"],
            household_number=form.cleaned_data["household"] or "",
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
        )
    columns = _access_columns()
    sort = lists.sorting(request, columns)
    entries = lists.sorted_rows(entries.annotate(staff_name=STAFF_NAME), columns, sort)
    if request.GET.get("format") == "xlsx":
        return lists.xlsx_response("access_log", "访问日志", columns, entries)
    page = lists.page(request, entries)
    numbers = selectors.household_numbers([e.household_id for e in page])
    rows = [
        (e, ACCESS_OBJECTS.get(e.object_type, "其他"), numbers.get(e.household_id or 0, ""))
        for e in page
    ]
    return render(
        request,
        "core/access_log.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "headers": lists.headers(request, columns, sort),
            "query_string": lists.page_query(request),
            "export": lists.export_query(request),
        },
    )
