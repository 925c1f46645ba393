"""Applicant pages (phone first, no script needed except to draw a signature): sign in with
a texted code, apply, follow, print papers, write to the town; the public check of a paper's
code; the case-number lookup; the towns' list of what applicants wrote."""

from collections.abc import Callable
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.cases.models import Status
from jiuzhu.core.errors import DomainError
from jiuzhu.core.roles import Capability
from jiuzhu.core.services import client_ip
from jiuzhu.portal import assessment, identity, papers, selectors, services
from jiuzhu.portal import household as declared
from jiuzhu.portal.apply_form import UPLOAD_FIELDS, ApplyForm
from jiuzhu.portal.models import MessageKind
from jiuzhu.registry.models import AssetKind, IncomeCategory, LabourCapacity, Person

# Guessing case numbers and ID numbers is slowed down per address and per case number.
MAX_LOOKUPS = 10
MAX_LOOKUPS_PER_CASE = 5
WINDOW_SECONDS = 600
# Code requests per address (each ID number has its own limits in identity).
MAX_CODE_REQUESTS = 20
LARGE_TYPE_COOKIE = "portal_large"


class ProgressForm(forms.Form):
    case_number = forms.CharField(label="申请编号", max_length=20)
    id_number = forms.CharField(label="申请人身份证号", min_length=18, max_length=18)


def _counted(key: str, limit: int) -> bool:
    """Count one use of `key` in the window; False once the limit is used up."""
    count = cache.get_or_set(key, 0, WINDOW_SECONDS) or 0
    if count >= limit:
        return False
    cache.incr(key)
    return True


@require_http_methods(["GET", "POST"])
def progress(request: HttpRequest) -> HttpResponse:
    """An applicant looks up their application by its number and their ID number; lookups
    per address and per case number are limited so that neither can be guessed."""
    form = ProgressForm(request.POST or None)
    result = None
    error = ""
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["case_number"].strip().upper()
        if not (
            _counted(f"portal-lookups:{client_ip(request)}", MAX_LOOKUPS)
            and _counted(f"portal-lookups-case:{number}", MAX_LOOKUPS_PER_CASE)
        ):
            error = "查询次数过多，请10分钟后再试。"
        else:
            result = selectors.progress_for(number, form.cleaned_data["id_number"])
            if result is None:
                error = "没有找到该申请，请核对申请编号和身份证号。"
    return render(request, "portal/progress.html", {"form": form, "result": result, "error": error})


# --- signing in ---------------------------------------------------------------------------


def applicant_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The page needs a signed-in applicant (their own cookie, not a staff session)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        person = identity.session_person(request.COOKIES.get(identity.COOKIE))
        if person is None:
            return redirect(reverse("portal:sign_in"))
        return view(request, person, *args, **kwargs)

    return wrapped


class CodeForm(forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=18)
    name = forms.CharField(label="姓名", max_length=40)


class SignInForm(forms.Form):
    id_number = forms.CharField(label="身份证号", max_length=18)
    code = forms.CharField(label="短信验证码", max_length=6)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Step one texts a code to the registered mobile; step two checks it."""
    step = request.POST.get("step", "code")
    code_form = CodeForm(request.POST if step == "code" else None)
    sign_in_form = SignInForm(request.POST if step == "sign_in" else None)
    note = error = ""
    if request.method == "POST":
        try:
            if step == "sign_in" and sign_in_form.is_valid():
                _person, token = identity.sign_in(
                    sign_in_form.cleaned_data["id_number"], sign_in_form.cleaned_data["code"]
                )
                response = redirect(reverse("portal:home"))
                response.set_cookie(
                    identity.COOKIE,
                    token,
                    max_age=identity.SESSION_MINUTES * 60 * 4,
                    path="/portal/",
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
                return response
            if step == "code" and code_form.is_valid():
                if not _counted(f"portal-codes:{client_ip(request)}", MAX_CODE_REQUESTS):
                    raise DomainError("获取验证码过于频繁，请10分钟后再试。")
                note = identity.request_code(
                    code_form.cleaned_data["id_number"], code_form.cleaned_data["name"]
                )
                sign_in_form = SignInForm(
                    initial={"id_number": code_form.cleaned_data["id_number"]}
                )
        except DomainError as exc:
            error = str(exc)
    return render(
        request,
        "portal/sign_in.html",
        {"code_form": code_form, "sign_in_form": sign_in_form, "note": note, "error": error},
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    identity.sign_out(request.COOKIES.get(identity.COOKIE))
    response = redirect(reverse("portal:sign_in"))
    response.delete_cookie(identity.COOKIE, path="/portal/")
    return response


def large_type(request: HttpRequest) -> HttpResponse:
    """Turn large type on or off (a cookie; works without script)."""
    back = request.GET.get("next", "")
    response = redirect(back if back.startswith("/portal/") else reverse("portal:sign_in"))
    if request.COOKIES.get(LARGE_TYPE_COOKIE):
        response.delete_cookie(LARGE_TYPE_COOKIE, path="/portal/")
    else:
        response.set_cookie(
            LARGE_TYPE_COOKIE, "1", max_age=365 * 86400, path="/portal/", samesite="Lax"
        )
    return response


# --- the applicant's pages ----------------------------------------------------------------


@applicant_required
def home(request: HttpRequest, person: Person) -> HttpResponse:
    household = selectors.applicant_household(person)
    return render(
        request,
        "portal/home.html",
        {
            "person": person,
            "cases": selectors.my_cases(person),
            "department_applications": selectors.my_department_applications(person),
            "messages_sent": selectors.messages_of(person),
            "payments": selectors.payments_of(person),
            "in_force": selectors.in_force(household) if household else [],
        },
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, person: Person) -> HttpResponse:
    household = selectors.applicant_household(person)
    if household is None:
        return render(request, "portal/no_household.html", {"person": person})
    members = selectors.members_of(household)
    incomes, assets = selectors.means_of(household)
    choices = [(m.person_id, f"{m.person.name}（{m.get_relation_display()}）") for m in members]
    form = ApplyForm(request.POST or None, request.FILES or None, members=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.apply(
                person,
                services.PhoneApplication(
                    household_id=int(request.POST.get("household", 0) or 0),
                    programme=data["programme"],
                    reason=data["reason"],
                    temporary_kind=data["temporary_kind"],
                    hardship=form.hardship(),
                    schooling=form.schooling(),
                    beneficiary_id=data["beneficiary"],
                    agree_authorisation=data["agree_authorisation"],
                    agree_commitment=data["agree_commitment"],
                    typed_signature=data["typed_signature"],
                    drawn_signature=data["drawn_signature"],
                    on_behalf=data["on_behalf"],
                    documents=[(kind, data[name]) for name, kind in UPLOAD_FIELDS if data[name]],
                    declaration=declared.read(request.POST, request.POST.getlist("gone")),
                ),
                request.build_absolute_uri(reverse("portal:verify")),
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(reverse("portal:case", args=[case.number]) + "?submitted=1")
    return render(
        request,
        "portal/apply.html",
        {
            "form": form,
            "person": person,
            "household": household,
            "members": members,
            "incomes": incomes,
            "assets": assets,
            "rows": declared.typed_rows(request.POST),
            "gone": request.POST.getlist("gone"),
            "relations": declared.NEW_RELATIONS,
            "income_categories": IncomeCategory.choices,
            "asset_kinds": AssetKind.choices,
            "authorisation_text": papers.AUTHORISATION_TEXT,
            "commitment_text": papers.COMMITMENT_TEXT,
        },
    )


class AnswerForm(forms.Form):
    document = forms.FileField(label="补充材料（照片或PDF）")


@applicant_required
@require_http_methods(["GET", "POST"])
def case(request: HttpRequest, person: Person, number: str) -> HttpResponse:
    view = selectors.case_view(person, number)
    if view is None:
        raise Http404
    form = AnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_request(person, number, [("other", form.cleaned_data["document"])])
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(reverse("portal:case", args=[number]) + "?answered=1")
    return render(
        request,
        "portal/case.html",
        {
            "view": view,
            "form": form,
            "how_to_object": papers.HOW_TO_OBJECT,
            "submitted": "submitted" in request.GET,
            "answered": "answered" in request.GET,
            "rejected": view.case.status == Status.REJECTED,
        },
    )


class WriteForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=MessageKind.choices, widget=forms.RadioSelect)
    text = forms.CharField(
        label="内容", widget=forms.Textarea(attrs={"rows": 5}), max_length=2000, required=False
    )


@applicant_required
@require_http_methods(["GET", "POST"])
def write(request: HttpRequest, person: Person) -> HttpResponse:
    """Report a change of circumstances, or complain, to the town."""
    form = WriteForm(request.POST or None, initial={"kind": request.GET.get("kind", "change")})
    sent = None
    if request.method == "POST" and form.is_valid():
        try:
            sent = services.write_to_town(
                person, form.cleaned_data["kind"], form.cleaned_data["text"], client_ip(request)
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            form = WriteForm(initial={"kind": sent.message.kind})
    return render(request, "portal/write.html", {"form": form, "sent": sent})


# --- self-assessment (no sign-in, nothing stored) ------------------------------------------


class AssessForm(forms.Form):
    area_type = forms.ChoiceField(
        label="住在哪里",
        choices=[("rural", "农村"), ("urban", "城镇")],
        widget=forms.RadioSelect,
        initial="rural",
    )
    monthly_income = forms.IntegerField(label="全家每月收入合计（元）", min_value=0, initial=0)
    deposits = forms.IntegerField(label="全家存款合计（元）", min_value=0, initial=0)
    has_car = forms.BooleanField(label="家里有汽车", required=False)
    emergency = forms.BooleanField(label="遇到火灾、交通事故、突发重病等急难", required=False)
    emergency_expense = forms.IntegerField(
        label="急难造成的必需支出（元）", min_value=0, initial=0, required=False
    )


class MemberAnswerForm(forms.Form):
    age = forms.IntegerField(label="年龄", min_value=0, max_value=120, required=False)
    disability_grade = forms.TypedChoiceField(
        label="残疾等级",
        coerce=int,
        choices=[(0, "无"), (1, "一级"), (2, "二级"), (3, "三级"), (4, "四级")],
        initial=0,
    )
    serious_illness = forms.BooleanField(label="患重病", required=False)
    labour_capacity = forms.ChoiceField(label="劳动能力", choices=LabourCapacity.choices)


MemberAnswers = forms.formset_factory(
    MemberAnswerForm, extra=assessment.MAX_MEMBERS, max_num=assessment.MAX_MEMBERS
)


@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest) -> HttpResponse:
    """A few plain questions, then which programmes may apply and why (posted: a
    household's incomes do not belong in a URL)."""
    submitted = request.method == "POST"
    form = AssessForm(request.POST if submitted else None)
    members = MemberAnswers(request.POST if submitted else None, prefix="m")
    results = None
    if submitted and form.is_valid() and members.is_valid():
        data = form.cleaned_data
        try:
            results = assessment.assess(
                assessment.Answers(
                    area_type=data["area_type"],
                    members=[
                        assessment.PersonAnswer(
                            m["age"],
                            m["disability_grade"],
                            m["serious_illness"],
                            m["labour_capacity"],
                        )
                        for m in members.cleaned_data
                        if m.get("age") is not None
                    ],
                    monthly_income_yuan=data["monthly_income"],
                    deposits_yuan=data["deposits"],
                    has_car=data["has_car"],
                    emergency=data["emergency"],
                    emergency_expense_yuan=data["emergency_expense"] or 0,
                )
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
    return render(
        request, "portal/assess.html", {"form": form, "members": members, "results": results}
    )


# --- the towns' inbox -----------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    if not request.user.can(Capability.VIEW_HOUSEHOLDS):  # type: ignore[union-attr]
        raise PermissionDenied
    rows = selectors.messages_for_staff(request.user)[:200]  # type: ignore[arg-type]
    return render(request, "portal/inbox.html", {"rows": rows})
