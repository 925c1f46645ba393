from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "jiuzhu.portal"
    label = "portal"
    verbose_name = "申请人服务"

    def ready(self) -> None:
        # Registers the background task rendering phone-signed papers, and its sweep.
        from jiuzhu.portal import signing  # noqa: F401
