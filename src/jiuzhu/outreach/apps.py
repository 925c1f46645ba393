from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "jiuzhu.outreach"
    label = "outreach"
    verbose_name = "主动发现与探访帮扶"
