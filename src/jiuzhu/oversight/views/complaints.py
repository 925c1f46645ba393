"""Complaints and reports: list, overdue, record, handle."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import posted, refusals_shown
from jiuzhu.core.models import RegionLevel, User
from jiuzhu.core.permissions import found_or_404, require_page
from jiuzhu.core.roles import Capability
from jiuzhu.core.selectors import regions_in_scope
from jiuzhu.oversight import complaints, selectors
from jiuzhu.oversight.follow_ups import ClaimInput
from jiuzhu.oversight.models import (
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    Finding,
    FollowUpKind,
)
from jiuzhu.oversight.views.common import PAGE_SIZE, evidence_added, whole_number
from jiuzhu.registry.selectors import household_by_number


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    user = require_page(request, Capability.HANDLE_COMPLAINTS)
    today = timezone.localdate()
    overdue = request.GET.get("view") == "overdue"
    status = request.GET.get("status", "")
    rows = selectors.overdue_complaints(user, today) if overdue else selectors.complaints_for(user)
    if status in ComplaintStatus.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/complaints.html",
        {
            "page": page,
            "overdue": overdue,
            "status": status,
            "statuses": ComplaintStatus.choices,
            "counts": selectors.complaint_counts(user),
            "overdue_count": selectors.overdue_complaints(user, today).count(),
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request: HttpRequest) -> HttpResponse:
    """A complaint received by phone, letter, visit or in person."""
    user = require_page(request, Capability.HANDLE_COMPLAINTS)
    if request.method == "POST":
        channel, category, town, content, name, phone, subject, evidence = posted(
            request,
            "channel",
            "category",
            "town",
            "content",
            "name",
            "phone",
            "subject",
            "evidence",
        )
        household_number, staff_id = posted(request, "household", "subject_staff")
        with refusals_shown(request):
            household = household_by_number(user, household_number) if household_number else None
            if household_number and household is None:
                raise DomainError("本辖区没有这个户编号。", field="household")
            complaint = complaints.record(
                user,
                town=regions_in_scope(user, RegionLevel.TOWN).filter(code=town).first(),
                subject_household=household,
                subject_staff=selectors.staff_in_area(user)
                .filter(pk=whole_number(staff_id))
                .first()
                if staff_id
                else None,
                channel=channel,
                category=category,
                content=content,
                anonymous=request.POST.get("anonymous") == "1",
                name=name,
                phone=phone,
                subject_text=subject,
                evidence=evidence,
                files=request.FILES.getlist("files"),
            )
            messages.success(request, f"已登记，编号 {complaint.number}。")
            return redirect("oversight:complaint", complaint.pk)
    return render(
        request,
        "oversight/complaint_new.html",
        {
            "channels": ComplaintChannel.choices,
            "categories": ComplaintCategory.choices,
            "towns": regions_in_scope(user, RegionLevel.TOWN).order_by("code"),
            "staff": selectors.staff_in_area(user).exclude(pk=user.pk),
            "values": request.POST,
        },
    )


@login_required
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    user = require_page(request, Capability.HANDLE_COMPLAINTS)
    complaint = found_or_404(complaints.open_complaint(user, complaint_id, request))
    name, phone = selectors.complainant_of(user, complaint)
    is_handler = complaint.handler_id == user.pk
    return render(
        request,
        "oversight/complaint.html",
        {
            "c": complaint,
            "complainant_name": name,
            "complainant_phone": phone,
            "notes": complaint.notes.select_related("author"),
            "follow_ups": complaint.follow_ups.select_related("case", "claim"),
            "files": complaint.files.all(),
            "can_upload": complaint.status != ComplaintStatus.REPLIED,
            "can_assign": user.can(Capability.SUPERVISE)
            and complaint.status in (ComplaintStatus.RECEIVED, ComplaintStatus.ASSIGNED),
            "candidates": selectors.handler_candidates(user, complaint),
            "can_investigate": is_handler and complaint.status == ComplaintStatus.ASSIGNED,
            "can_reply": is_handler and complaint.status == ComplaintStatus.CONCLUDED,
            "findings": Finding.choices,
            "follow_up_kinds": FollowUpKind.choices,
            "overdue": complaint.status != ComplaintStatus.REPLIED
            and complaint.due_on < timezone.localdate(),
        },
    )


def _assign(request: HttpRequest, user: User, complaint: Complaint) -> str:
    handler = User.objects.filter(pk=whole_number(request.POST.get("handler"))).first()
    if handler is None:
        return "请选择承办人。"
    complaints.assign(user, complaint, handler)
    return "已分派。"


def _household(request: HttpRequest, user: User, complaint: Complaint) -> str:
    number = request.POST.get("household", "").strip()
    complaints.link_household(
        user, complaint, household_by_number(user, number) if number else None
    )
    return "已关联涉及的家庭。"


def _note(request: HttpRequest, user: User, complaint: Complaint) -> str:
    complaints.add_note(user, complaint, request.POST.get("text", ""))
    return "调查情况已记录。"


def posted_claim(request: HttpRequest, wanted: bool) -> ClaimInput | None:
    """The recovery claim's fields of a conclusion form, when a recovery is chosen."""
    if not wanted:
        return None
    return ClaimInput.parse(*posted(request, "from_month", "to_month", "amount", "instalment"))


def _conclude(request: HttpRequest, user: User, complaint: Complaint) -> str:
    follow_ups = request.POST.getlist("follow_ups")
    complaints.conclude(
        user,
        complaint,
        request.POST.get("finding", ""),
        request.POST.get("conclusion", ""),
        follow_ups,
        posted_claim(request, FollowUpKind.RECOVERY in follow_ups),
    )
    return "已办结，请答复反映人。"


def _reply(request: HttpRequest, user: User, complaint: Complaint) -> str:
    complaints.reply(user, complaint, request.POST.get("reply", ""))
    return "已答复反映人。"


COMPLAINT_STEPS: dict[str, Callable[[HttpRequest, User, Complaint], str]] = {
    "evidence": evidence_added,
    "assign": _assign,
    "household": _household,
    "note": _note,
    "conclude": _conclude,
    "reply": _reply,
}


@login_required
@require_POST
def complaint_act(request: HttpRequest, complaint_id: int) -> HttpResponse:
    user = require_page(request, Capability.HANDLE_COMPLAINTS)
    complaint = found_or_404(selectors.complaint_for(user, complaint_id))
    step = COMPLAINT_STEPS.get(request.POST.get("action", ""))
    if step is None:
        raise Http404
    with refusals_shown(request):
        done = step(request, user, complaint)
        (messages.success if done.startswith("已") else messages.error)(request, done)
    return redirect("oversight:complaint", complaint.pk)
