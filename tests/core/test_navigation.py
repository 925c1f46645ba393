from django.test import RequestFactory
from django.urls import set_script_prefix

from jiuzhu.core.context_processors import navigation
from jiuzhu.core.roles import Role
from tests import factories


def _menu(user, prefix: str = "/") -> dict[str, str]:
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    set_script_prefix(prefix)
    try:
        return dict(navigation(request)["nav_items"])
    finally:
        set_script_prefix("/")


def test_the_menu_holds_what_the_role_may_open_at_the_mount_point_it_is_served_under(db):
    coordinator = factories.user(Role.VILLAGE_COORDINATOR)  # no second step to give
    menu = _menu(coordinator)
    assert (menu["救助申请"], menu["公示"]) == ("/cases/", "/notice/")
    assert "工作人员" not in menu and "安全管理" not in menu
    # Reversed once per mount point: served under /jiuzhu/ the links carry it.
    mounted = _menu(coordinator, "/jiuzhu/")
    assert (mounted["救助申请"], mounted["公示"]) == ("/jiuzhu/cases/", "/jiuzhu/notice/")
    assert _menu(coordinator)["救助申请"] == "/cases/"
