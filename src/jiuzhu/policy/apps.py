from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "jiuzhu.policy"
    label = "policy"
    verbose_name = "政策参数与计算"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the budget simulation as a background task kind in every process (the
        web server enqueues it; it must not depend on some page having imported the module)."""
        # Imported here: the module uses the models, loaded only once every app is ready.
        from jiuzhu.policy import batch  # noqa: F401  (registers "policy.simulate")
