from django.urls import path

from jiuzhu.core import security_views, staff_views, two_factor_views, views

app_name = "core"
urlpatterns = [
    path("calendar/", views.calendar_view, name="calendar"),
    path("calendar/<int:override_id>/delete/", views.calendar_delete, name="calendar_delete"),
    path("regions/", views.regions_view, name="regions"),
    path("access-log/", views.access_log, name="access_log"),
    path("security/", security_views.security, name="security"),
    path("staff/", staff_views.staff_list, name="staff"),
    path("staff/new/", staff_views.staff_create, name="staff_create"),
    path("staff/<int:user_id>/", staff_views.staff_edit, name="staff_edit"),
    path("staff/<int:user_id>/active/", staff_views.staff_active, name="staff_active"),
    path(
        "staff/<int:user_id>/password/reset/",
        staff_views.staff_password_reset,
        name="staff_password_reset",
    ),
    path(
        "staff/<int:user_id>/two-factor/reset/",
        staff_views.staff_two_factor_reset,
        name="staff_two_factor_reset",
    ),
    path("password/", staff_views.password_change, name="password_change"),
    path("two-factor/", two_factor_views.status, name="two_factor"),
    path("two-factor/verify/", two_factor_views.verify, name="two_factor_verify"),
    path("two-factor/enrol/", two_factor_views.enrol, name="two_factor_enrol"),
    path("two-factor/recovery-codes/", two_factor_views.renew_codes, name="two_factor_codes"),
    path("two-factor/disable/", two_factor_views.disable, name="two_factor_disable"),
    path("security/tokens/new/", security_views.partner_token_new, name="partner_token_new"),
    path(
        "security/tokens/<int:token_id>/revoke/",
        security_views.token_revoke,
        name="token_revoke",
    ),
]
