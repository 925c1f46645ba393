from django.urls import path

import jiuzhu.verification.views as views

app_name = "verification"
urlpatterns = [
    path("extracts/", views.extracts, name="extracts"),
    path("extracts/<int:extract_id>/", views.extract_detail, name="extract"),
    path("jobs/", views.jobs_view, name="jobs"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:job_id>/resume/", views.job_resume, name="job_resume"),
    path("jobs/<int:job_id>/export.xlsx", views.job_export, name="job_export"),
    path("jobs/<int:job_id>/households/<int:household_id>/", views.report, name="report"),
]
