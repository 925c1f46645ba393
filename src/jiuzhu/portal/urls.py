from django.urls import path

from jiuzhu.portal import paper_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("large-type/", views.large_type, name="large_type"),
    path("assess/", views.assess, name="assess"),
    path("apply/", views.apply, name="apply"),
    path("applications/<str:number>/", views.case, name="case"),
    path("applications/<str:number>/receipt.pdf", paper_views.receipt_pdf, name="receipt_pdf"),
    path("applications/<str:number>/decision.pdf", paper_views.decision_pdf, name="decision_pdf"),
    path(
        "applications/<str:number>/termination.pdf",
        paper_views.termination_pdf,
        name="termination_pdf",
    ),
    path(
        "applications/<str:number>/authorisation.pdf",
        paper_views.authorisation_pdf,
        name="authorisation_pdf",
    ),
    path(
        "applications/<str:number>/home-visit.pdf",
        paper_views.home_visit_pdf,
        name="home_visit_pdf",
    ),
    path("certificate.pdf", paper_views.certificate_pdf, name="certificate_pdf"),
    path("write/", views.write, name="write"),
    path("verify/", paper_views.verify, name="verify"),
    path("inbox/", views.inbox, name="inbox"),
]
