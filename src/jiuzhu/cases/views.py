"""Case pages: intake, the case file with its actions, lists of what is due."""

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.cases import care, selectors, services
from jiuzhu.cases.actions import STEPS
from jiuzhu.cases.forms import (
    ApplicationForm,
    FindHouseholdForm,
    SpotCheckForm,
    UploadForm,
    current_member,
)
from jiuzhu.cases.models import Action, Case, SpotCheck, Status
from jiuzhu.cases.rules import HOME_VISIT_CHECKLIST, checklist_for
from jiuzhu.cases.workflow import allowed_actions
from jiuzhu.core import lists
from jiuzhu.core.errors import DomainError
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import AccessLog, User
from jiuzhu.core.permissions import found_or_404, page_object, require_page
from jiuzhu.core.programmes import Programme
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import log_access
from jiuzhu.core.workdays import Calendar
from jiuzhu.policy.calculator import stored_calculation
from jiuzhu.registry.models import Household, Person
from jiuzhu.registry.selectors import household_for, household_for_intake
from jiuzhu.verification.selectors import reports_for_household


def _case(request: HttpRequest, case_id: int) -> tuple[User, Case]:
    """The signed-in user and the case asked for, if it lies in the user's area."""
    return page_object(request, Capability.VIEW_HOUSEHOLDS, selectors.case_for, case_id)


CASE_COLUMNS = [
    lists.Column("编号", "number"),
    lists.Column("项目", "programme", choices=dict(Programme.choices)),
    lists.Column("申请人", "applicant__name"),
    lists.Column("负责镇（街道）", "responsible_town__name"),
    lists.Column("状态", "status", choices=dict(Status.choices)),
    lists.Column("提交日期", "submitted_at", "date"),
    lists.Column("办结期限", "decision_due", "date"),
]


@login_required
def case_list(request: HttpRequest) -> HttpResponseBase:
    """The cases of the user's area, with what is urgent: advance aid, overdue, due soon,
    reviews due."""
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    status = request.GET.get("status", "open")
    programme = request.GET.get("programme", "")
    query = request.GET.get("q", "")[:40]
    cases = selectors.case_list(
        user,
        status if status in {*Status.values, "open"} else "open",
        programme if programme in Programme.values else "",
        query,
    )
    sort = lists.sorting(request, CASE_COLUMNS)
    cases = lists.sorted_rows(cases, CASE_COLUMNS, sort)
    if request.GET.get("format") == "xlsx":
        return lists.xlsx_response("cases", "救助申请", CASE_COLUMNS, cases)
    page = lists.page(request, cases)
    today = timezone.localdate()
    calendar = Calendar()  # one read of the overrides for every row of the page
    return render(
        request,
        "cases/list.html",
        {
            "page": page,
            "headers": lists.headers(request, CASE_COLUMNS, sort),
            "query_string": lists.page_query(request),
            "export": lists.export_query(request),
            "deadlines": selectors.deadlines(page, today, calendar),
            "status": status,
            "programme": programme,
            "query": query,
            "statuses": Status.choices,
            "programmes": Programme.choices,
            "advance": selectors.advance_aid_pending(user)[:20],
            "overdue_count": selectors.overdue_cases(user).count(),
            "can_take_in": user.can(Capability.EDIT_HOUSEHOLDS),
            "due_soon": selectors.due_soon(user, today, calendar)[:20],
            "reviews_due": selectors.reviews_due(user)[:20],
            "care_due": care.care_due(user, today)[:20],
            "now": timezone.now(),
        },
    )


# A town's overdue list reached 163 cases at 1M households: rendered at once, 25 ms.
OVERDUE_PAGE_SIZE = lists.PAGE_SIZE


@login_required
def overdue_list(request: HttpRequest) -> HttpResponse:
    """Overdue cases of the area, a page at a time, counted by town and by investigator."""
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    today = timezone.localdate()
    page = lists.page(request, selectors.overdue_cases(user, today), OVERDUE_PAGE_SIZE)
    return render(
        request,
        "cases/overdue.html",
        {
            "page": page,
            "query_string": lists.page_query(request),
            "deadlines": selectors.deadlines(page, today, Calendar()),
            "by_town": selectors.overdue_by_town(user, today),
            "by_person": selectors.overdue_by_person(user, today),
        },
    )


def _household_for_new_case(request: HttpRequest, user: User) -> tuple[Any, str, FindHouseholdForm]:
    """The household applying: one in the user's area, or any of the county found by the
    applicant's full ID number (carried in the form body, never in a URL)."""
    intake_id = request.POST.get("intake_id_number", "")
    if intake_id:
        return household_for_intake(intake_id), intake_id, FindHouseholdForm()
    raw = request.GET.get("household") or request.POST.get("household_id") or ""
    if raw:
        return household_for(user, raw), "", FindHouseholdForm()
    find_form = FindHouseholdForm(request.POST if "find" in request.POST else None)
    if find_form.is_bound and find_form.is_valid():
        household = household_for_intake(find_form.cleaned_data["id_number"])
        if household is None:
            find_form.add_error("id_number", "本县没有该身份证号的家庭档案，请先建立家庭档案。")
        else:
            log_access(user, AccessLog.Channel.PAGE, "intake", household.pk, household.pk, request)
            return household, find_form.cleaned_data["id_number"], find_form
    return None, "", find_form


def _presenting(user: User, household: Household, intake_id: str) -> Person | None:
    """The person whose ID card found a household outside the user's area: the intake form
    then shows no other member. None for a household of the user's area."""
    if not intake_id or household_for(user, household.pk) is not None:
        return None
    return current_member(household, intake_id)


@login_required
@require_http_methods(["GET", "POST"])
def new_case(request: HttpRequest) -> HttpResponse:
    """Intake: find the household, then take its application."""
    user = require_page(request, Capability.EDIT_HOUSEHOLDS)
    household, intake_id, find_form = _household_for_new_case(request, user)
    if household is None:
        return render(request, "cases/find_household.html", {"form": find_form})
    form = ApplicationForm(
        request.POST if "submit" in request.POST else None,
        request.FILES or None,
        household=household,
        presenting=_presenting(user, household, intake_id),
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        with refusals_shown(request, form):
            case = services.submit_application(
                user,
                services.ApplicationInput(
                    household=household,
                    applicant=form.person("applicant"),  # type: ignore[arg-type]
                    beneficiary=form.person("beneficiary"),
                    programme=data["programme"],
                    temporary_kind=data["temporary_kind"] or "",
                    hardship=services.Hardship(
                        data["temporary_expense"],
                        data["temporary_expense_kind"] or "",
                        data["temporary_evidence"] or "",
                    ),
                    schooling=services.Schooling(data["school_stage"] or "", data["school_term"]),
                    reason=data["reason"],
                    channel=data["channel"],
                    single_person_unit=data["single_person_unit"],
                    special_hardship=data["special_hardship"],
                    by_residence=data["by_residence"],
                    commitment_signed=data["commitment_signed"],
                    authorisation=form.authorisation(),
                    documents=[(data["document_kind"], f) for f in data["documents"]],
                ),
            )
            messages.success(request, f"已登记申请 {case.number}。")
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/new.html",
        {
            "form": form,
            "household": household,
            "intake_id_number": intake_id,
            "checklists": [(p.label, checklist_for(p.value)) for p in Programme],
        },
    )


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case file with the actions the user may take; the intake town of a case routed
    elsewhere sees its progress and what it entered only."""
    user, case = _case(request, case_id)
    log_access(user, AccessLog.Channel.PAGE, "case", case.pk, case.household_id, request)
    if not selectors.handles(user, case):
        return render(
            request,
            "cases/progress.html",
            {
                "case": case,
                "deadline": selectors.deadline(case),
                "events": case.events.all(),
                "documents": selectors.documents_for(user, case),
            },
        )
    actions = [
        (transition, form() if (form := STEPS[transition.action].form) else None)
        for transition in allowed_actions(case.status, user.role)
        if not services.barred_to_opener(user, case, transition.action)
    ]
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "actions": actions,
            "deadline": selectors.deadline(case),
            "events": case.events.select_related("actor"),
            "documents": selectors.documents_for(user, case),
            "visits": case.home_visits.select_related("lead_staff"),
            "objections": case.objections.all(),
            "checklist": checklist_for(case.programme),
            "visit_items": HOME_VISIT_CHECKLIST,
            "visit_action": Action.RECORD_HOME_VISIT,
            "upload_form": UploadForm(),
            "now": timezone.now(),
            "recipient": getattr(case, "recipient", None),
            "advance_cases": case.advance_cases.all(),
            "verification_reports": reports_for_household(user, case.household),
            "authorisations": selectors.authorisations_for(case),
            "calculation": stored_calculation(case.explanation, case.programme),
        },
    )


@login_required
@require_POST
def act(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """Take one transition from the case page; the outcome is shown on the case page."""
    user, case = _case(request, case_id)
    step = found_or_404(STEPS.get(action))
    form = step.form(request.POST, request.FILES) if step.form else None
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    if form is not None and not form.is_valid():
        errors = "；".join(
            f"{form.fields[k].label if k in form.fields else ''}{' '.join(map(str, v))}"
            for k, v in form.errors.items()
        )
        messages.error(request, f"未能办理：{errors}")
        return redirect("cases:detail", case_id=case.pk)
    with refusals_shown(request):
        step.run(user, case, version, form)
        messages.success(request, "已办理。")
    return redirect("cases:detail", case_id=case.pk)


@login_required
@require_POST
def upload(request: HttpRequest, case_id: int) -> HttpResponse:
    """Add materials to an open case."""
    user, case = _case(request, case_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择材料类别和文件。")
    else:
        with refusals_shown(request):
            stored = services.add_documents(
                user, case, [(form.cleaned_data["kind"], f) for f in form.cleaned_data["documents"]]
            )
            messages.success(request, f"已上传{len(stored)}个文件。")
    return redirect("cases:detail", case_id=case.pk)


@login_required
def document(request: HttpRequest, document_id: int) -> FileResponse:
    """A case document, served only within the user's area (never from the web root)."""
    user = require_page(request, Capability.VIEW_HOUSEHOLDS)
    doc = found_or_404(selectors.document_for(user, document_id))
    content = services.read_document(doc)
    if content is None:
        raise Http404
    log_access(user, AccessLog.Channel.PAGE, "document", doc.pk, doc.case.household_id, request)
    response = FileResponse(io.BytesIO(content), content_type=doc.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def spot_checks(request: HttpRequest) -> HttpResponse:
    """County supervisors draw spot checks and record their findings."""
    user = require_page(request, Capability.SPOT_CHECK)
    if request.method == "POST":
        with refusals_shown(request):
            if "draw" in request.POST:
                drawn = services.select_spot_checks(user)
                messages.success(request, f"已随机抽取{len(drawn)}件。")
            else:
                check = (
                    selectors.spot_checks(user).filter(pk=request.POST.get("check_id") or 0).first()
                )
                form = SpotCheckForm(request.POST)
                if check is None:
                    raise Http404
                if not form.is_valid():
                    raise DomainError("请填写抽查意见。")
                services.record_spot_check(
                    user, check, form.cleaned_data["finding"], form.cleaned_data["problem_found"]
                )
                messages.success(request, "已登记抽查意见。")
        return redirect("cases:spot_checks")
    checks: Any = selectors.spot_checks(user).order_by("recorded_at", "-selected_at")
    return render(
        request,
        "cases/spot_checks.html",
        {"checks": checks[:200], "form": SpotCheckForm(), "pending": SpotCheck.objects.none()},
    )
