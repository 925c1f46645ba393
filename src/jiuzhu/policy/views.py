"""Pages: the self-check calculator, standards administration, budget simulation."""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from jiuzhu.core import tasks
from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import posted, refusals_shown
from jiuzhu.core.permissions import require_page
from jiuzhu.core.roles import Capability
from jiuzhu.policy import selectors, services
from jiuzhu.policy.calculator import calculate
from jiuzhu.policy.parameters import SPECS, ParameterSet
from jiuzhu.policy.serializers import CalculateSerializer
from jiuzhu.registry.models import AssetKind, DisabilityCategory, IncomeCategory

MEMBER_ROWS = 6
INCOME_ROWS = 6
ASSET_ROWS = 4
BOOL_FIELDS = (
    "serious_illness",
    "counted",
    "public_payroll",
    "has_supporter",
    "institutional",
    "orphan",
    "tekun_member",
)


def _whole(text: str | int) -> str | int:
    """A form's number as the API's JSON integer (anything else is left for the serializer
    to refuse with its Chinese message)."""
    return int(text) if isinstance(text, str) and text.strip().isdigit() else text


def _form_to_data(post: Any) -> dict[str, Any]:
    """The calculator form's indexed fields as the API's JSON (blank rows left out)."""
    data: dict[str, Any] = {
        "month": post.get("month", ""),
        "area_type": post.get("area_type", ""),
        "registered_poor": bool(post.get("registered_poor")),
        "dibao_recipient": bool(post.get("dibao_recipient")),
        "months_above_line": _whole(post.get("months_above_line") or 0),
        "previous_monthly_amount": post.get("previous_monthly_amount") or "0",
        "temporary_kind": post.get("temporary_kind", ""),
        "temporary_expense": post.get("temporary_expense") or "0",
        "members": [],
        "incomes": [],
        "assets": [],
    }
    for i in range(MEMBER_ROWS):
        age = post.get(f"m{i}_age", "").strip()
        if not age:
            continue
        member = {
            "name": post.get(f"m{i}_name", "").strip(),
            "age": _whole(age),
            "disability_grade": _whole(post.get(f"m{i}_disability_grade") or 0),
            "disability_category": post.get(f"m{i}_disability_category", ""),
            "labour_capacity": post.get(f"m{i}_labour_capacity") or "full",
            "adl_unable": _whole(post.get(f"m{i}_adl_unable") or 0),
        }
        for name in BOOL_FIELDS:
            member[name] = bool(post.get(f"m{i}_{name}"))
        member["counted"] = not post.get(f"m{i}_not_counted")
        data["members"].append(member)
    for i in range(INCOME_ROWS):
        amount = post.get(f"i{i}_amount", "").strip()
        if not amount:
            continue
        member = post.get(f"i{i}_member", "").strip()
        data["incomes"].append(
            {
                "category": post.get(f"i{i}_category", ""),
                "monthly_amount": amount,
                "member": int(member) - 1 if member.isdigit() and int(member) > 0 else None,
            }
        )
    for i in range(ASSET_ROWS):
        kind = post.get(f"a{i}_kind", "")
        if not kind:
            continue
        data["assets"].append(
            {
                "kind": kind,
                "quantity": _whole(post.get(f"a{i}_quantity") or 1),
                "value": post.get(f"a{i}_value") or "0",
            }
        )
    return data


def _errors(detail: Any, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        return [e for k, v in detail.items() for e in _errors(v, f"{prefix}{k}.")]
    if isinstance(detail, list):
        out: list[str] = []
        for i, v in enumerate(detail):
            out += _errors(v, f"{prefix}{i}." if isinstance(v, dict) else prefix)
        return out
    return [f"{prefix.rstrip('.')}：{detail}" if prefix else str(detail)]


@require_http_methods(["GET", "POST"])
def calculator(request: HttpRequest) -> HttpResponse:
    """Self-check calculator (自助测算): open to applicants, nothing is saved."""
    context: dict[str, Any] = {
        "member_rows": range(MEMBER_ROWS),
        "income_rows": range(INCOME_ROWS),
        "asset_rows": range(ASSET_ROWS),
        "income_categories": IncomeCategory.choices,
        "asset_kinds": AssetKind.choices,
        "disability_categories": DisabilityCategory.choices,
        "month": timezone.localdate().strftime("%Y-%m"),
        "values": request.POST,
    }
    status = 200
    if request.method == "POST":
        serializer = CalculateSerializer(data=_form_to_data(request.POST))
        if not serializer.is_valid():
            context["errors"] = _errors(serializer.errors)
            status = 400
        else:
            refusal = _refusal_form(request)
            with refusals_shown(request, refusal), transaction.atomic():
                context["result"] = calculate(serializer.to_household())
                transaction.set_rollback(True)  # a self-check saves nothing
            if refusal.errors:
                context["errors"], status = [_refusal_text(refusal)], 400
    return render(request, "policy/calculator.html", context, status=status)


def _refusal_form(request: HttpRequest) -> forms.Form:
    """A form without fields bound to the request: these pages draw their own inputs, and
    `refusals_shown` puts a service's refusal on it for the page to show."""
    return forms.Form(request.POST)


def _refusal_text(refusal: forms.Form) -> str:
    """The refusal on a form from `_refusal_form`, as one sentence ("" when none)."""
    return " ".join(str(message) for message in refusal.non_field_errors())


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DomainError("日期格式应为 YYYY-MM-DD。", field=field) from None


@login_required
@require_http_methods(["GET", "POST"])
def standards(request: HttpRequest) -> HttpResponse:
    """County administrators set dated standards; the platform proposes and checks them."""
    user = require_page(request, Capability.MANAGE_STANDARDS)
    today = timezone.localdate()
    key = request.POST.get("key") or request.GET.get("key") or "dibao.standard.rural"
    if key not in SPECS:
        key = "dibao.standard.rural"
    on_text = request.POST.get("effective_from") or request.GET.get("on") or today.isoformat()
    refusal = _refusal_form(request)
    on = today
    with refusals_shown(request, refusal):
        on = _date(on_text, "effective_from")
        if request.method == "POST":
            row = services.set_parameter(user, key, on, *posted(request, "value", "source", "note"))
            messages.success(
                request, f"已录入：{SPECS[key].label} {row.value}，{row.effective_from}起生效。"
            )
            return redirect(f"{request.path}?key={key}&on={row.effective_from}")
    error = _refusal_text(refusal)
    status = 400 if error else 200
    proposal, derivation = services.propose(key, on)
    value_text = request.POST.get("value") or (str(proposal) if proposal is not None else "")
    checks: list[services.Constraint] = []
    if value_text:
        try:
            checks = services.constraints_for(key, on, services.parse_value(key, value_text))
        except (DomainError, InvalidOperation):
            checks = []
    context = {
        "specs": SPECS,
        "key": key,
        "spec": SPECS[key],
        "on": on,
        "proposal": proposal,
        "derivation": derivation,
        "value": value_text,
        "checks": checks,
        "error": error,
        "source": request.POST.get("source", ""),
        "note": request.POST.get("note", ""),
        "histories": selectors.histories(on, standards_only=False),
        "breaches": selectors.breaches(),
        "due": selectors.standards_due(today),
        "periods": selectors.rules_for_a_period(),
    }
    return render(request, "policy/standards.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def simulation(request: HttpRequest) -> HttpResponse:
    """Budget impact: "rural standard X from month M" over the whole registry, by town.

    It reads every household, so it runs as a background task and the page polls it.
    """
    user = require_page(request, Capability.MANAGE_STANDARDS)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "month": request.POST.get("month", today.strftime("%Y-%m")),
        "area": request.POST.get("area", "rural"),
        "value": request.POST.get("value", ""),
    }
    if request.method == "POST":
        refusal = _refusal_form(request)
        with refusals_shown(request, refusal):
            month = _date(context["month"] + "-01", "month")
            area = "urban" if context["area"] == "urban" else "rural"
            value = services.parse_value(f"dibao.standard.{area}", context["value"])
            if value <= Decimal("0"):
                raise DomainError("模拟标准应大于0。", field="value")
            ParameterSet.load(month)  # a month with no parameters is refused now, not later
            queued = tasks.enqueue(
                user,
                "policy.simulate",
                {"month": month.isoformat(), "overrides": {f"dibao.standard.{area}": str(value)}},
            )
            return redirect(f"{reverse('policy:simulation')}?task={queued.pk}")
        context["error"] = _refusal_text(refusal)
        return render(request, "policy/simulation.html", context, status=400)
    job = tasks.task_for(user, request.GET.get("task", ""), "policy.simulate")
    context["task"] = job
    if request.GET.get("partial") and job is not None:
        return render(request, "policy/_simulation_result.html", context)
    return render(request, "policy/simulation.html", context)
