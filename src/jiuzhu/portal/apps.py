from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "jiuzhu.portal"
    label = "portal"
    verbose_name = "申请人服务"
