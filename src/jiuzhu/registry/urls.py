from django.urls import path

from jiuzhu.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.search_view, name="search"),
    path("new/", views.create_view, name="create"),
    path("<int:household_id>/", views.detail_view, name="detail"),
    path("<int:household_id>/edit/", views.edit_view, name="edit"),
    path("<int:household_id>/members/new/", views.add_member_view, name="add_member"),
    path(
        "<int:household_id>/members/<int:person_id>/edit/",
        views.edit_member_view,
        name="edit_member",
    ),
    path(
        "<int:household_id>/members/<int:person_id>/move/",
        views.move_member_view,
        name="move_member",
    ),
    path(
        "<int:household_id>/members/<int:person_id>/leave/",
        views.leave_view,
        name="leave",
    ),
    path("<int:household_id>/incomes/", views.income_view, name="incomes"),
    path("<int:household_id>/assets/", views.asset_view, name="assets"),
]
