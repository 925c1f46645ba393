from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "jiuzhu.oversight"
    label = "oversight"
    verbose_name = "监督管理"
