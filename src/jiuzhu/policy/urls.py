from django.urls import path

from jiuzhu.policy import views

app_name = "policy"

urlpatterns = [
    path("calculator/", views.calculator, name="calculator"),
    path("standards/", views.standards, name="standards"),
    path("simulation/", views.simulation, name="simulation"),
]
