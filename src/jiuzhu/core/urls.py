from django.urls import path

from jiuzhu.core import security_views, views

app_name = "core"
urlpatterns = [
    path("calendar/", views.calendar_view, name="calendar"),
    path("calendar/<int:override_id>/delete/", views.calendar_delete, name="calendar_delete"),
    path("regions/", views.regions_view, name="regions"),
    path("access-log/", views.access_log, name="access_log"),
    path("security/", security_views.security, name="security"),
    path(
        "security/tokens/<int:token_id>/revoke/",
        security_views.token_revoke,
        name="token_revoke",
    ),
]
