from django.urls import path

from jiuzhu.cases import care_views, repricing_views, views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.new_case, name="new"),
    path("overdue/", views.overdue_list, name="overdue"),
    path("spot-checks/", views.spot_checks, name="spot_checks"),
    path("repricing/", repricing_views.repricing_list, name="repricing"),
    path(
        "repricing/<int:repricing_id>/", repricing_views.repricing_detail, name="repricing_detail"
    ),
    path(
        "repricing/<int:repricing_id>/confirm/",
        repricing_views.repricing_confirm,
        name="repricing_confirm",
    ),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/act/<slug:action>/", views.act, name="act"),
    path("<int:case_id>/upload/", views.upload, name="upload"),
    path("documents/<int:document_id>/", views.document, name="document"),
]

# The care facts of tekun people and children in hardship (care_views.py).
urlpatterns += [
    path("care/<int:household_id>/<int:person_id>/", care_views.person_care, name="person_care"),
    path("care/institutions/", care_views.institutions, name="institutions"),
]
