"""Every member of staff's own inbox of alerts and their channel preferences."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core.permissions import found_or_404, staff
from jiuzhu.oversight.models import AlertPreference, SmsMode, StaffAlert

PAGE_SIZE = 30
MOBILE = re.compile(r"1\d{10}")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    alerts = StaffAlert.objects.filter(user=user)
    unread = request.GET.get("all") != "1"
    if unread:
        alerts = alerts.filter(read_at__isnull=True)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "oversight/inbox.html", {"page": page, "unread": unread})


@login_required
@require_POST
def open_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Mark one's own alert read and go to what it is about (404 for another's)."""
    alert = found_or_404(StaffAlert.objects.filter(pk=alert_id, user=staff(request)).first())
    if alert.read_at is None:
        StaffAlert.objects.filter(pk=alert.pk).update(read_at=timezone.now())
    return redirect(alert.link or "oversight:inbox")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    StaffAlert.objects.filter(user=staff(request), read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(request, "已全部标为已读。")
    return redirect("oversight:inbox")


def _preference_error(sms: str, phone: str) -> str:
    if sms not in SmsMode.values:
        return "请选择短信提醒方式。"
    if sms != SmsMode.OFF and not MOBILE.fullmatch(phone):
        return "选择短信提醒时，请填写11位手机号码。"
    if phone and not MOBILE.fullmatch(phone):
        return "手机号码应为11位数字。"
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Which channels: the platform inbox, an SMS for each alert, or a daily digest."""
    user = staff(request)
    current = AlertPreference.objects.filter(user=user).first() or AlertPreference(user=user)
    error = ""
    if request.method == "POST":
        sms = request.POST.get("sms", "")
        phone = request.POST.get("phone", "").strip()
        error = _preference_error(sms, phone)
        if not error:
            current.in_platform = request.POST.get("in_platform") == "1"
            current.sms, current.phone = sms, phone
            current.save()
            messages.success(request, "提醒设置已保存。")
            return redirect("oversight:alert_preferences")
    return render(
        request,
        "oversight/alert_preferences.html",
        {"preference": current, "modes": SmsMode.choices, "error": error},
        status=400 if error else 200,
    )
