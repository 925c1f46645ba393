from django.urls import path

from jiuzhu.registry import views
from jiuzhu.registry.duplicates import views as duplicates

app_name = "registry"
HOUSEHOLD = "<int:household_id>/"
MEMBER = f"{HOUSEHOLD}members/<int:person_id>/"

urlpatterns = [
    path("", views.search_view, name="search"),
    path("new/", views.create_view, name="create"),
    path(HOUSEHOLD, views.detail_view, name="detail"),
    path(f"{HOUSEHOLD}edit/", views.edit_view, name="edit"),
    path(f"{HOUSEHOLD}members/new/", views.add_member_view, name="add_member"),
    path(f"{MEMBER}edit/", views.edit_member_view, name="edit_member"),
    path(f"{MEMBER}move/", views.move_member_view, name="move_member"),
    path(f"{MEMBER}leave/", views.leave_view, name="leave"),
    path(f"{HOUSEHOLD}incomes/", views.income_view, name="incomes"),
    path(f"{HOUSEHOLD}assets/", views.asset_view, name="assets"),
    path("duplicates/", duplicates.duplicate_list, name="duplicates"),
    path("duplicates/<int:pair_id>/", duplicates.duplicate_detail, name="duplicate"),
    path("duplicates/<int:pair_id>/decide/", duplicates.duplicate_decide, name="duplicate_decide"),
]
