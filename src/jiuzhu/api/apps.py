from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "jiuzhu.api"
    label = "api"
