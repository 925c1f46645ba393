from django.urls import path

from jiuzhu.funds import views, working_views

app_name = "funds"
urlpatterns = [
    path("", views.execution, name="execution"),
    path("budgets/", views.budgets, name="budgets"),
    path("working/", working_views.working_funds, name="working"),
    path("working/<int:pk>/voucher", working_views.voucher, name="voucher"),
]
