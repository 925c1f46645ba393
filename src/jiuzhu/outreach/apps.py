from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "jiuzhu.outreach"
    label = "outreach"
    verbose_name = "主动发现与探访帮扶"

    def ready(self) -> None:
        """Register the warning rules' background task (the module uses the models, which
        Django loads only after every app's config) and the monitoring list's standings."""
        from jiuzhu.outreach import monitoring  # noqa: F401
        from jiuzhu.outreach.selectors import low_income_standings_sql
        from jiuzhu.registry import lowincome

        lowincome.register(low_income_standings_sql)
