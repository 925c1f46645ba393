from django.urls import include, path

from jiuzhu.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.login_view, name="login"),
    path("logout/", core_views.logout_view, name="logout"),
    path("core/", include("jiuzhu.core.urls")),
    path("households/", include("jiuzhu.registry.urls")),
    path("api/", include("jiuzhu.api.urls")),
]
