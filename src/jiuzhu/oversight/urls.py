from django.urls import path

from jiuzhu.oversight import views
from jiuzhu.oversight.staff_alerts import views as inbox

app_name = "oversight"
urlpatterns = [
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/<int:complaint_id>/", views.complaint_detail, name="complaint"),
    path("complaints/<int:complaint_id>/act/", views.complaint_act, name="complaint_act"),
    path("integrity/", views.integrity_list, name="integrity"),
    path("integrity/<int:record_id>/", views.integrity_record, name="integrity_record"),
    path("integrity/<int:record_id>/act/", views.integrity_act, name="integrity_act"),
    path("faults/", views.faults, name="faults"),
    path("tasks/", views.task_board, name="tasks"),
    path("evaluation/", views.evaluation_page, name="evaluation"),
    path("relatives/", views.relatives, name="relatives"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/scan/", views.alert_scan, name="alert_scan"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert"),
    path("alerts/<int:alert_id>/act/", views.alert_act, name="alert_act"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read/", inbox.read_all, name="inbox_read_all"),
    path("inbox/<int:alert_id>/", inbox.open_alert, name="inbox_open"),
    path("inbox/settings/", inbox.preferences, name="alert_preferences"),
    path("evidence/<int:evidence_id>/", views.evidence_file, name="evidence"),
]
