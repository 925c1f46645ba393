from django.urls import path

from jiuzhu.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("report.xlsx", views.statistical_report, name="report"),
    path("population/", views.set_population, name="population"),
]
