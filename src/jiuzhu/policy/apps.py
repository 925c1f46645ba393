from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "jiuzhu.policy"
    label = "policy"
    verbose_name = "政策参数与计算"
    default_auto_field = "django.db.models.BigAutoField"
