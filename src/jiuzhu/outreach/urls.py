from django.urls import path

from jiuzhu.outreach import views

app_name = "outreach"
urlpatterns = [
    path("leads/", views.leads, name="leads"),
    path("leads/new/", views.lead_new, name="lead_new"),
    path("leads/<int:lead_id>/", views.lead, name="lead"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("visits/", views.visits, name="visits"),
    path("visits/<int:target_id>/", views.target, name="target"),
    path("warnings/", views.monitoring_warnings, name="warnings"),
    path("monitoring/", views.monitoring_list, name="monitoring"),
    path("referrals/", views.referral_list, name="referrals"),
    path("staff/", views.staff_roster, name="staff"),
    path("education/", views.education_proposals, name="education"),
]
