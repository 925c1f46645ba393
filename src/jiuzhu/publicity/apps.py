from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "jiuzhu.publicity"
    verbose_name = "政策宣传"
