from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "jiuzhu.oversight"
    label = "oversight"
    verbose_name = "监督管理"

    def ready(self) -> None:
        # Registers the risk scan's background task kind (core.tasks looks kinds up by name).
        from jiuzhu.oversight import risk, tally  # noqa: F401
        from jiuzhu.oversight.staff_alerts import delivery  # noqa: F401  (staff alerts)
