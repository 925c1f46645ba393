from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "jiuzhu.dashboard"
    verbose_name = "统计概览"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the refresh task and its trigger on payroll approval.
        from jiuzhu.dashboard import figures  # noqa: F401
