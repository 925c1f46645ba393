from django.urls import path

from jiuzhu.funds import views

app_name = "funds"
urlpatterns = [
    path("", views.execution, name="execution"),
    path("budgets/", views.budgets, name="budgets"),
]
