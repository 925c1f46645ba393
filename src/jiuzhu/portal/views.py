"""Applicant pages (phone first): check my application's progress and messages."""

from django import forms
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from jiuzhu.core.services import client_ip
from jiuzhu.portal.selectors import progress_for

# Guessing case numbers and ID numbers is slowed down per address.
MAX_LOOKUPS = 10
WINDOW_SECONDS = 600


class ProgressForm(forms.Form):
    case_number = forms.CharField(label="申请编号", max_length=20)
    id_number = forms.CharField(label="申请人身份证号", min_length=18, max_length=18)


@require_http_methods(["GET", "POST"])
def progress(request: HttpRequest) -> HttpResponse:
    """An applicant looks up their application by its number and their ID number; lookups
    per address are limited so that neither can be guessed."""
    form = ProgressForm(request.POST or None)
    result = None
    error = ""
    if request.method == "POST" and form.is_valid():
        key = f"portal-lookups:{client_ip(request)}"
        count = cache.get_or_set(key, 0, WINDOW_SECONDS) or 0
        if count >= MAX_LOOKUPS:
            error = "查询次数过多，请10分钟后再试。"
        else:
            cache.incr(key)
            result = progress_for(form.cleaned_data["case_number"], form.cleaned_data["id_number"])
            if result is None:
                error = "没有找到该申请，请核对申请编号和身份证号。"
    return render(request, "portal/progress.html", {"form": form, "result": result, "error": error})
