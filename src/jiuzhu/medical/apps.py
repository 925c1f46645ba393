from django.apps import AppConfig


class MedicalConfig(AppConfig):
    name = "jiuzhu.medical"
    label = "medical"
    verbose_name = "医疗救助"

    def ready(self) -> None:
        # Imported here: the selectors use the models, loaded after every app's config.
        """Register the household page's medical section, the spending in execution and the
        import's background task."""
        from jiuzhu.medical import jobs  # noqa: F401  (registers the task)
        from jiuzhu.medical.selectors import household_entries, spending
        from jiuzhu.payments.selectors import register_spending
        from jiuzhu.registry import sections

        sections.register(household_entries)
        register_spending(spending)
