from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "jiuzhu.demo"
    label = "demo"
