from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView

from jiuzhu.api import views

app_name = "api"
HOUSEHOLD = "households/<int:household_id>/"

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("regions/", views.RegionListView.as_view(), name="regions"),
    path("households/", views.HouseholdListView.as_view(), name="households"),
    path("households/search/", views.HouseholdSearchView.as_view(), name="household-search"),
    path(HOUSEHOLD, views.HouseholdDetailView.as_view(), name="household"),
    path(f"{HOUSEHOLD}members/", views.HouseholdMembersView.as_view(), name="household-members"),
    path(f"{HOUSEHOLD}incomes/", views.HouseholdIncomesView.as_view(), name="household-incomes"),
    path(
        f"{HOUSEHOLD}incomes/<int:income_id>/",
        views.HouseholdIncomeDetailView.as_view(),
        name="household-income",
    ),
    path(f"{HOUSEHOLD}assets/", views.HouseholdAssetsView.as_view(), name="household-assets"),
    path(
        f"{HOUSEHOLD}assets/<int:asset_id>/",
        views.HouseholdAssetDetailView.as_view(),
        name="household-asset",
    ),
    path("persons/<int:person_id>/", views.PersonDetailView.as_view(), name="person"),
    path("persons/<int:person_id>/move/", views.PersonMoveView.as_view(), name="person-move"),
    path("persons/<int:person_id>/leave/", views.PersonLeaveView.as_view(), name="person-leave"),
    path("sharing/recipients/", views.SharedRecipientsView.as_view(), name="sharing-recipients"),
    path("sharing/children/", views.SharedChildrenView.as_view(), name="sharing-children"),
    path("sharing/cases/", views.SharedCasesView.as_view(), name="sharing-cases"),
    path("sharing/payments/", views.SharedPaymentsView.as_view(), name="sharing-payments"),
    path(
        "sharing/verification-reports/",
        views.SharedReportsView.as_view(),
        name="sharing-verification-reports",
    ),
    # Last: whatever else is asked under /api/ gets the API's JSON 404.
    re_path(r"^[\s\S]*$", views.UnknownPathView.as_view(), name="unknown"),
]
