from django.urls import path

from jiuzhu.payments import views

app_name = "payments"
urlpatterns = [
    path("", views.payroll_list, name="list"),
    path("<int:payroll_id>/", views.payroll_detail, name="detail"),
    path("<int:payroll_id>/lines/", views.payroll_lines, name="lines"),
    path("<int:payroll_id>/export.xlsx", views.payroll_export, name="export"),
    path("<int:payroll_id>/act/<slug:action>/", views.payroll_act, name="act"),
    path(
        "<int:payroll_id>/accounts/<int:account_id>/<slug:decision>/",
        views.account_review,
        name="account_review",
    ),
    path("files/<int:file_id>/", views.payment_file, name="file"),
    path("accounts/<int:household_id>/", views.accounts, name="accounts"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:claim_id>/", views.claim, name="claim"),
]
