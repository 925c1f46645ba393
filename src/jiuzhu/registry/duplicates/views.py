"""The county's duplicate list, the comparison of a pair, and its decision (merge/dismiss)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import AccessLog, User
from jiuzhu.core.permissions import found_or_404, staff
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import log_accesses
from jiuzhu.registry.duplicates import merge, selectors
from jiuzhu.registry.models import DuplicateStatus

PAGE_SIZE = 50


def _viewer(request: HttpRequest) -> User:
    user = staff(request)
    if not selectors.may_view(user):
        raise Http404
    return user


@login_required
def duplicate_list(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    status = request.GET.get("status", DuplicateStatus.OPEN)
    if status not in DuplicateStatus.values:
        status = DuplicateStatus.OPEN
    page = Paginator(selectors.pairs(user, status), PAGE_SIZE).get_page(request.GET.get("page"))
    flags = selectors.elsewhere_of([p for pair in page for p in (pair.first_id, pair.second_id)])
    return render(
        request,
        "registry/duplicates.html",
        {
            "page": page,
            "status": status,
            "statuses": DuplicateStatus.choices,
            "flagged": set(flags),
            "visibility": user.id_visibility,
        },
    )


def _compare_page(
    request: HttpRequest, user: User, pair_id: int, status: int = 200
) -> HttpResponse:
    found = found_or_404(selectors.comparison(user, pair_id))
    log_accesses(
        user,
        AccessLog.Channel.PAGE,
        "person",
        [
            (side.person.pk, side.current.household_id if side.current else None)
            for side in found.sides
        ],
        request,
    )
    return render(
        request,
        "registry/duplicate.html",
        {
            "c": found,
            "visibility": user.id_visibility,
            "can_decide": user.can(Capability.EDIT_HOUSEHOLDS),
        },
        status=status,
    )


@login_required
def duplicate_detail(request: HttpRequest, pair_id: int) -> HttpResponse:
    return _compare_page(request, _viewer(request), pair_id)


@login_required
@require_POST
def duplicate_decide(request: HttpRequest, pair_id: int) -> HttpResponse:
    """Merge (keeping the person chosen) or dismiss; a refusal shows on the comparison."""
    user = _viewer(request)
    action = request.POST.get("action", "")
    with refusals_shown(request):
        if action == "merge":
            kept = request.POST.get("kept", "")
            record = merge.merge_persons(
                user, pair_id, int(kept) if kept.isdigit() else 0, request.POST.get("reason", "")
            )
            messages.success(request, f"已合并：{record.kept.name}的档案保留了两人的全部记录。")
            return redirect("registry:duplicates")
        merge.dismiss_pair(user, pair_id, request.POST.get("note", ""))
        messages.success(request, "已确认不是同一人，该记录不再列出。")
        return redirect("registry:duplicates")
    return _compare_page(request, user, pair_id, status=400)
