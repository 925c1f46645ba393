"""Referrals to departments and 一事一议."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import User
from jiuzhu.core.money import parse_yuan
from jiuzhu.core.permissions import found_or_404, require_page
from jiuzhu.core.roles import Capability
from jiuzhu.outreach import forms as outreach_forms
from jiuzhu.outreach import referrals, selectors
from jiuzhu.outreach.views.common import household_numbered


def _answer(request: HttpRequest, user: User) -> None:
    found = found_or_404(selectors.referral_for(user, request.POST.get("referral", "")))
    form = outreach_forms.AnswerForm(request.POST)
    if not form.is_valid():
        raise DomainError("请填写部门答复和答复日期。")
    referrals.record_answer(
        user, found, form.cleaned_data["answer"], form.cleaned_data["answered_on"]
    )
    messages.success(request, "已登记部门答复。")


def _submit(request: HttpRequest, user: User) -> None:
    form = outreach_forms.DeliberationForm(request.POST)
    if not form.is_valid():
        raise DomainError("请填写户编号、困难事实和建议金额。")
    household = household_numbered(user, form.cleaned_data["household_number"])
    item = referrals.submit_deliberation(
        user,
        household,
        form.cleaned_data["facts"],
        parse_yuan(form.cleaned_data["requested"], "建议救助金额"),
    )
    messages.success(request, f"已提请一事一议（{item.number}）。")


def _decide(request: HttpRequest, user: User) -> None:
    found = found_or_404(selectors.deliberation_for(user, request.POST.get("deliberation", "")))
    form = outreach_forms.DecisionForm(request.POST)
    if not form.is_valid():
        raise DomainError("请填写会议日期、参会成员、决定和政策依据。")
    data = form.cleaned_data
    referrals.decide(
        user,
        found,
        data["met_on"],
        data["members_present"],
        data["decision"],
        parse_yuan(data["amount"], "决定金额") if data["amount"] else None,
        data["legal_basis"],
        data["arrangement"],
    )
    messages.success(request, "已记录一事一议决定。")


def _open_aid(request: HttpRequest, user: User) -> None:
    found = found_or_404(selectors.deliberation_for(user, request.POST.get("deliberation", "")))
    head = selectors.household_head(found.household)
    case = referrals.open_aid(user, found, head)
    messages.success(request, f"已登记临时救助申请{case.number}。")


# The referrals page's forms, by their hidden "action", and who may post each.
REFERRAL_STEPS: dict[str, tuple[Capability, Callable[[HttpRequest, User], None]]] = {
    "answer": (Capability.REFER, _answer),
    "submit": (Capability.REFER, _submit),
    "decide": (Capability.DECIDE_DELIBERATIONS, _decide),
    "open_aid": (Capability.REFER, _open_aid),
}


@login_required
@require_http_methods(["GET", "POST"])
def referral_list(request: HttpRequest) -> HttpResponse:
    """Open referrals (overdue marked) with their answers; the 一事一议 list with the town's
    submissions, the county's decisions and the aid they open."""
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    if request.method == "POST":
        step = REFERRAL_STEPS.get(request.POST.get("action", ""))
        if step is None or not user.can(step[0]):
            raise Http404
        with refusals_shown(request):
            step[1](request, user)
        return redirect("outreach:referrals")
    today = timezone.localdate()
    rows = selectors.referrals_in_area(user)
    return render(
        request,
        "outreach/referrals.html",
        {
            "today": today,
            "open": rows.filter(answered_on__isnull=True)[:200],
            "answered": rows.filter(answered_on__isnull=False).order_by("-answered_on")[:50],
            "deliberations": selectors.deliberations_in_area(user)[:100],
            "can_refer": user.can(Capability.REFER),
            "can_decide": user.can(Capability.DECIDE_DELIBERATIONS),
            "answer_form": outreach_forms.AnswerForm(),
            "submit_form": outreach_forms.DeliberationForm(),
            "decision_form": outreach_forms.DecisionForm(),
        },
    )
