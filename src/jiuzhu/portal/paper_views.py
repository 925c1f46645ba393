"""The papers an applicant prints (A4 PDFs with a verification code), and the public check
of a code."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from jiuzhu.portal import papers, selectors, services, signing
from jiuzhu.portal.models import PaperKind
from jiuzhu.portal.views import applicant_required
from jiuzhu.registry.models import Person


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@applicant_required
def receipt_pdf(request: HttpRequest, person: Person, number: str) -> HttpResponse:
    found = selectors.case_of(person, number)
    if found is None:
        raise Http404
    paper = services.receipt_paper(person, found)
    verify = request.build_absolute_uri(reverse("portal:verify"))
    return _pdf(papers.receipt_pdf(found, paper, verify), "receipt.pdf")


@applicant_required
def decision_pdf(request: HttpRequest, person: Person, number: str) -> HttpResponse:
    view = selectors.case_view(person, number)
    if view is None or not view.decided:
        raise Http404
    paper = services.decision_paper(person, view.case)
    verify = request.build_absolute_uri(reverse("portal:verify"))
    return _pdf(papers.decision_pdf(view.case, view.start_month, paper, verify), "decision.pdf")


@applicant_required
def authorisation_pdf(request: HttpRequest, person: Person, number: str) -> HttpResponse:
    """The authorisation and commitment as signed on the phone (the same paper, code and
    signature the case keeps)."""
    found = selectors.case_of(person, number)
    record = selectors.signed_record_of(found) if found else None
    if found is None or record is None:
        raise Http404
    content = papers.authorisation_pdf(
        papers.programme_of(found),
        found.household,
        signing.signature_of(record),
        record.paper.issuer,
        record.paper.code,
        record.verify_url,
    )
    return _pdf(content, "authorisation.pdf")


@applicant_required
def home_visit_pdf(request: HttpRequest, person: Person, number: str) -> HttpResponse:
    view = selectors.case_view(person, number)
    if view is None or view.home_visit is None:
        raise Http404
    paper = services.home_visit_paper(person, view.case, view.home_visit)
    verify = request.build_absolute_uri(reverse("portal:verify"))
    return _pdf(papers.home_visit_pdf(view.case, view.home_visit, paper, verify), "home-visit.pdf")


@applicant_required
def termination_pdf(request: HttpRequest, person: Person, number: str) -> HttpResponse:
    view = selectors.case_view(person, number)
    if view is None or view.end_month is None:
        raise Http404
    paper = services.termination_paper(person, view.case)
    verify = request.build_absolute_uri(reverse("portal:verify"))
    return _pdf(
        papers.termination_pdf(view.case, view.end_month, view.end_reason, paper, verify),
        "termination.pdf",
    )


@applicant_required
def certificate_pdf(request: HttpRequest, person: Person) -> HttpResponse:
    household = selectors.applicant_household(person)
    recipients = selectors.in_force(household) if household else []
    if household is None or not recipients:
        raise Http404
    lines = [
        papers.CertificateLine(r.get_programme_display(), str(r.monthly_amount), r.start_month)
        for r in recipients
    ]
    paper = services.certificate_paper(person, household, [line.programme for line in lines])
    verify = request.build_absolute_uri(reverse("portal:verify"))
    town = services.cases.town_of(household.residence_region)
    return _pdf(
        papers.certificate_pdf(person, household, lines, town, paper, verify), "certificate.pdf"
    )


def verify(request: HttpRequest) -> HttpResponse:
    """Anyone holding a paper checks its code: genuine or not, and what it says."""
    code = request.GET.get("code", "")[:40]
    paper = papers.resolve(code) if code else None
    return render(
        request,
        "portal/verify.html",
        {
            "code": code,
            "paper": paper,
            "holder": papers.masked_holder(paper) if paper else "",
            "issuer": papers.issuer_name(paper.issuer) if paper else "",
            "kinds": PaperKind,
        },
    )
