from django.urls import path

from jiuzhu.policy import api

app_name = "policy_api"

urlpatterns = [
    path("calculate", api.CalculateView.as_view(), name="calculate"),
]
