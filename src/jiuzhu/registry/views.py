"""Registry pages: parse input, call one service or selector, render."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.views.decorators.http import require_http_methods

from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.idnumber import MAX_DIGITS_IN_URL, too_many_digits_for_a_url
from jiuzhu.core.models import AccessLog, User
from jiuzhu.core.permissions import found_or_404, page_object, require_page
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import log_access
from jiuzhu.registry import selectors, services
from jiuzhu.registry.duplicates.selectors import may_view as may_view_duplicates
from jiuzhu.registry.forms import (
    AssetForm,
    HouseholdForm,
    IncomeForm,
    LeaveForm,
    MemberForm,
    MemberFormSet,
    MoveForm,
    SearchForm,
    set_member_choices,
)
from jiuzhu.registry.inputs import as_initial, household_input_of, member_input_of
from jiuzhu.registry.models import Household, Membership, Person


def _household(request: HttpRequest, household_id: int) -> tuple[User, Household]:
    """The editor and a household in their scope (404 outside it)."""
    return page_object(request, Capability.EDIT_HOUSEHOLDS, selectors.household_for, household_id)


def _current_membership(household: Household, person_id: int) -> Membership | None:
    return household.memberships.filter(person_id=person_id, end_date__isnull=True).first()


def _member(
    request: HttpRequest, household_id: int, person_id: int
) -> tuple[User, Household, Person]:
    """The editor, the household and one of its current members (404 otherwise)."""
    user, household = _household(request, household_id)
    membership = found_or_404(_current_membership(household, person_id))
    return user, household, membership.person


def _saved(request: HttpRequest, message: str, household_id: int) -> HttpResponse:
    """Say what was saved and go back to the household's file."""
    messages.success(request, message)
    return redirect("registry:detail", household_id=household_id)


def _form_page(request: HttpRequest, form: Form, household: Household, title: str) -> HttpResponse:
    return render(
        request, "registry/form.html", {"form": form, "household": household, "title": title}
    )


def _int(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 0


ID_IN_URL_REFUSAL = (
    f"为保护个人信息，网址中不能包含身份证号（最多输入后{MAX_DIGITS_IN_URL}位）；"
    "请在查询框中输入后点“查询”。"
)


@login_required
@require_http_methods(["GET", "POST"])
def search_view(request: HttpRequest) -> HttpResponse:
    """Search households by name, pinyin initials or ID digits (htmx gets the results only).

    The page's form and its live search POST the query, so an ID number never appears in a
    URL (browser history, proxy and server logs). A GET query may still carry a name or the
    last few digits (a bookmark); one with a longer run of digits is refused unread.
    """
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    partial = bool(request.headers.get("HX-Request"))
    if request.method == "GET" and too_many_digits_for_a_url(request.GET.get("q", "")):
        if partial:
            return HttpResponse(f'<p class="error">{escape(ID_IN_URL_REFUSAL)}</p>', status=400)
        messages.error(request, ID_IN_URL_REFUSAL)
        return redirect("registry:search")
    form = SearchForm((request.POST if request.method == "POST" else request.GET) or None)
    if form.is_bound and not form.is_valid():
        result = selectors.SearchResult("", [], f"查询条件{form.errors['q'][0]}")
    else:
        page = request.POST.get("page") or request.GET.get("page") or "1"
        result = selectors.search(
            user,
            form.cleaned_data["q"] if form.is_bound else "",
            page=int(page) if page.isdigit() and len(page) < 4 else 1,
        )
    template = "registry/_results.html" if partial else "registry/search.html"
    return render(
        request,
        template,
        {
            "form": form,
            "result": result,
            "visibility": user.id_visibility,
            "duplicates": may_view_duplicates(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def create_view(request: HttpRequest) -> HttpResponse:
    """A new household with its members; htmx asks here for one more blank member row."""
    user = require_page(request, Capability.EDIT_HOUSEHOLDS)
    if request.GET.get("member_row") is not None:
        # htmx asks for one more blank member row.
        index = min(max(_int(request.GET.get("member_row")), 0), services.MAX_MEMBERS)
        row = MemberFormSet(prefix="members").empty_form
        row.prefix = f"members-{index}"
        return render(request, "registry/_member_row.html", {"member": row})
    form = HouseholdForm(request.POST or None, user=user)
    formset = MemberFormSet(request.POST or None, prefix="members")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        members = [f.to_input() for f in formset.forms if f.has_changed()]
        with refusals_shown(request, form):
            household = services.create_household(user, form.to_input(members))
            messages.success(request, f"已建立家庭档案 {household.number}。")
            return redirect("registry:detail", household_id=household.pk)
    return render(request, "registry/create.html", {"form": form, "formset": formset})


@login_required
def detail_view(request: HttpRequest, household_id: int) -> HttpResponse:
    """A household's file (一户一档); every opening is written to the access log."""
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    file = found_or_404(selectors.household_file(user, household_id))
    log_access(
        user, AccessLog.Channel.PAGE, "household", file.household.pk, file.household.pk, request
    )
    return render(
        request,
        "registry/detail.html",
        {"file": file, "can_edit": user.can(Capability.EDIT_HOUSEHOLDS)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_view(request: HttpRequest, household_id: int) -> HttpResponse:
    """Change a household's own fields."""
    user, household = _household(request, household_id)
    initial = as_initial(household_input_of(household))
    form = HouseholdForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request, form):
            services.update_household(user, household, form.to_input([]))
            return _saved(request, "已保存。", household.pk)
    return _form_page(request, form, household, "修改家庭信息")


@login_required
@require_http_methods(["GET", "POST"])
def add_member_view(request: HttpRequest, household_id: int) -> HttpResponse:
    """Add a member to a household."""
    user, household = _household(request, household_id)
    form = MemberForm(
        request.POST or None,
        initial={
            "residence_region": household.residence_region,
            "registered_region": household.registered_region,  # not "outside the county"
            "relation": "child",
        },
    )
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request, form):
            services.add_member(user, household, form.to_input())
            return _saved(request, "已增加成员。", household.pk)
    return _form_page(request, form, household, "增加成员")


@login_required
@require_http_methods(["GET", "POST"])
def edit_member_view(request: HttpRequest, household_id: int, person_id: int) -> HttpResponse:
    """Change a member's facts; the ID number is shown but cannot be changed."""
    user, household, person = _member(request, household_id, person_id)
    membership = person.memberships.get(end_date__isnull=True)
    initial = as_initial(member_input_of(person, membership))
    form = MemberForm(request.POST or None, initial=initial)
    form.fields["id_number"].disabled = True
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request, form):
            services.update_member(user, person, form.to_input())
            return _saved(request, "已保存成员信息。", household.pk)
    return _form_page(request, form, household, f"修改成员：{person.name}")


@login_required
@require_http_methods(["GET", "POST"])
def move_member_view(request: HttpRequest, household_id: int, person_id: int) -> HttpResponse:
    """Move a member to another household in the user's area, found by its number."""
    user, household, person = _member(request, household_id, person_id)
    form = MoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = selectors.household_by_number(user, form.cleaned_data["to_household"])
        if target is None:
            form.add_error("to_household", "在您的管辖范围内找不到该户编号。")
        else:
            with refusals_shown(request, form):
                services.move_member(
                    user, person, target, form.cleaned_data["relation"], form.cleaned_data["reason"]
                )
                return _saved(request, f"{person.name} 已迁入户 {target.number}。", target.pk)
    return _form_page(request, form, household, f"迁移成员：{person.name}")


@login_required
@require_http_methods(["GET", "POST"])
def leave_view(request: HttpRequest, household_id: int, person_id: int) -> HttpResponse:
    """A member leaves the household; the history is kept."""
    user, household, person = _member(request, household_id, person_id)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(request, form):
            services.end_membership(user, person, form.cleaned_data["reason"])
            return _saved(request, f"{person.name} 已离开本户，记录已保留。", household.pk)
    return _form_page(request, form, household, f"成员离开：{person.name}")


def _member_choices(household: Household) -> list[tuple[Any, str]]:
    current = household.memberships.filter(end_date__isnull=True).select_related("person")
    return [("", "全户")] + [(m.person_id, m.person.name) for m in current]


def _member_or_none(household: Household, person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    membership = _current_membership(household, person_id)
    if membership is None:
        raise DomainError("所选人员不是本户成员。", field="person")
    return membership.person


@dataclass(frozen=True)
class _Ledger:
    """Incomes and assets are edited the same way: a list, an add form, a remove button."""

    form: type[Form]
    records: str  # the household's related name, also the URL name and the template
    label: str
    id_field: str
    # The services, called as add(actor, household, person=, **form fields) and
    # remove(actor, household, record id).
    add: Callable[..., Any]
    remove: Callable[[User, Household, int], None]


INCOMES = _Ledger(
    IncomeForm, "incomes", "收入", "income_id", services.add_income, services.remove_income
)
ASSETS = _Ledger(AssetForm, "assets", "财产", "asset_id", services.add_asset, services.remove_asset)


def _ledger_view(request: HttpRequest, household_id: int, ledger: _Ledger) -> HttpResponse:
    user, household = _household(request, household_id)
    form = ledger.form(request.POST if request.POST.get("action") == "add" else None)
    set_member_choices(form, _member_choices(household))
    if request.method == "POST":
        with refusals_shown(request, form):
            if request.POST.get("action") == "remove":
                ledger.remove(user, household, _int(request.POST.get(ledger.id_field)))
                messages.success(request, f"已删除{ledger.label}记录。")
                return redirect(f"registry:{ledger.records}", household_id=household.pk)
            if form.is_valid():
                data = form.cleaned_data
                owner = _member_or_none(household, data["person"])
                ledger.add(user, household, **{**data, "person": owner})
                messages.success(request, f"已增加{ledger.label}记录。")
                return redirect(f"registry:{ledger.records}", household_id=household.pk)
    rows = getattr(household, ledger.records).select_related("person")
    return render(
        request,
        f"registry/{ledger.records}.html",
        {"form": form, "household": household, "rows": rows, "ledger": ledger},
    )


@login_required
@require_http_methods(["GET", "POST"])
def income_view(request: HttpRequest, household_id: int) -> HttpResponse:
    return _ledger_view(request, household_id, INCOMES)


@login_required
@require_http_methods(["GET", "POST"])
def asset_view(request: HttpRequest, household_id: int) -> HttpResponse:
    return _ledger_view(request, household_id, ASSETS)
