from django.urls import path

from jiuzhu.cooperation import views

app_name = "cooperation"
urlpatterns = [
    path("", views.charity, name="charity"),
    path("projects/new/", views.project_new, name="project_new"),
    path("refer/", views.referral_new, name="referral_new"),
    path("referrals/<int:referral_id>/", views.referral, name="referral"),
    path("applications/", views.applications, name="applications"),
    path("applications/new/", views.application_new, name="application_new"),
    path("applications/<int:application_id>/", views.application, name="application"),
]
