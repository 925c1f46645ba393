from django.urls import path

from jiuzhu.medical import views

app_name = "medical"
urlpatterns = [
    path("", views.bills, name="bills"),
    path("new/", views.bill_new, name="bill_new"),
    path("import/", views.bill_import, name="bill_import"),
    path("<int:bill_id>/", views.bill, name="bill"),
    path("payments/", views.batches, name="batches"),
    path("payments/make/", views.batches_make, name="batches_make"),
    path("payments/<int:batch_id>/file/", views.batch_file, name="batch_file"),
]
