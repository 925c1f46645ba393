from django.urls import path

from jiuzhu.publicity import views

app_name = "publicity"

urlpatterns = [
    path("", views.index, name="index"),
    path("standards/", views.standards, name="standards"),
    path("offices/", views.offices, name="offices"),
    path("<slug:code>/", views.programme, name="programme"),
]
