from django.urls import include, path

from jiuzhu.api import pages as exchange_pages
from jiuzhu.cases import public_views
from jiuzhu.core import views as core_views
from jiuzhu.core.inputs import guard_page_views
from jiuzhu.dashboard import views as dashboard_views
from jiuzhu.oversight import public_views as oversight_public
from jiuzhu.portal import views as portal_views

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("login/", core_views.login_view, name="login"),
    path("logout/", core_views.logout_view, name="logout"),
    path("core/", include("jiuzhu.core.urls")),
    path("households/", include("jiuzhu.registry.urls")),
    path("cases/", include("jiuzhu.cases.urls")),
    path("verification/", include("jiuzhu.verification.urls")),
    path("portal/progress/", portal_views.progress, name="portal_progress"),
    path("portal/", include("jiuzhu.portal.urls")),
    path("guide/", include("jiuzhu.publicity.urls")),
    path("notice/", public_views.notice_board, name="notice"),
    path("notice/screen/", public_views.notice_screen, name="notice_screen"),
    path("notice/print.pdf", public_views.notice_pdf, name="notice_pdf"),
    path("policy/", include("jiuzhu.policy.urls")),
    path("payments/", include("jiuzhu.payments.urls")),
    path("funds/", include("jiuzhu.funds.urls")),
    path("outreach/", include("jiuzhu.outreach.urls")),
    path("oversight/", include("jiuzhu.oversight.urls")),
    path("complaint/", oversight_public.complaint_form, name="public_complaint"),
    path("complaint/track/", oversight_public.complaint_track, name="public_complaint_track"),
    path("blacklist/", oversight_public.blacklist, name="public_blacklist"),
    path("medical/", include("jiuzhu.medical.urls")),
    path("cooperation/", include("jiuzhu.cooperation.urls")),
    path("overview/", include("jiuzhu.dashboard.urls")),
    path("exchange/cross-county/", exchange_pages.cross_county, name="cross_county"),
    path("api/policy/", include("jiuzhu.policy.api_urls")),
    path("api/", include("jiuzhu.api.urls")),
]

# No page view sees a NUL character in its parameters (PostgreSQL cannot hold one).
guard_page_views(urlpatterns)
