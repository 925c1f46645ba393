"""The staff roster, trainings and purchased-services contracts."""

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
from jiuzhu.core.selectors import one_of
from jiuzhu.outreach import forms as outreach_forms
from jiuzhu.outreach import roster


def _staff(request: HttpRequest, user: User) -> None:
    form = outreach_forms.StaffForm(user, request.POST)
    if not form.is_valid():
        raise DomainError("请填写姓名、岗位、区划和到岗日期。")
    data = form.cleaned_data
    roster.add_staff(
        user, data["name"], data["post"], data["region"], data["since"], data["contract"]
    )
    messages.success(request, f"已登记{data['name']}。")


def _training(request: HttpRequest, user: User) -> None:
    entry = found_or_404(one_of(roster.roster_in_area(user), request.POST.get("entry", "")))
    form = outreach_forms.TrainingForm(request.POST)
    if not form.is_valid():
        raise DomainError("请填写培训日期、内容和学时。")
    data = form.cleaned_data
    roster.add_training(user, entry, data["held_on"], data["topic"], data["hours"])
    messages.success(request, "已登记培训。")


def _contract(request: HttpRequest, user: User) -> None:
    form = outreach_forms.ContractForm(user, request.POST)
    if not form.is_valid():
        raise DomainError("请完整填写合同信息。")
    data = form.cleaned_data
    contract = roster.add_contract(
        user,
        roster.ContractInput(
            number=data["number"],
            organisation=data["organisation"],
            region=data["region"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            amount_fen=parse_yuan(data["amount"], "合同金额"),
            visits_contracted=data["visits_contracted"],
        ),
    )
    messages.success(request, f"已登记合同{contract.number}。")


STAFF_STEPS: dict[str, Callable[[HttpRequest, User], None]] = {
    "staff": _staff,
    "training": _training,
    "contract": _contract,
}


@login_required
@require_http_methods(["GET", "POST"])
def staff_roster(request: HttpRequest) -> HttpResponse:
    """The staff of each region against the policy's requirements (gaps first), their
    trainings, and the purchased-services contracts with the services delivered."""
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    if request.method == "POST":
        step = STAFF_STEPS.get(request.POST.get("action", ""))
        if step is None or not user.can(Capability.MANAGE_ROSTER):
            raise Http404
        with refusals_shown(request):
            step(request, user)
        return redirect("outreach:staff")
    rows = roster.gaps(user, timezone.localdate())
    manage = user.can(Capability.MANAGE_ROSTER)
    return render(
        request,
        "outreach/staff.html",
        {
            "gaps": [row for row in rows if row.missing],
            "regions_short": len({row.region.pk for row in rows if row.missing}),
            "complete": [row for row in rows if not row.missing],
            "entries": roster.roster_in_area(user),
            "contracts": roster.contracts_in_area(user),
            "staff_form": outreach_forms.StaffForm(user) if manage else None,
            "training_form": outreach_forms.TrainingForm() if manage else None,
            "contract_form": outreach_forms.ContractForm(user) if manage else None,
        },
    )
