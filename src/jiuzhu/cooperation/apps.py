from django.apps import AppConfig


class CooperationConfig(AppConfig):
    name = "jiuzhu.cooperation"
    label = "cooperation"
    verbose_name = "慈善与部门协同救助"

    def ready(self) -> None:
        # Imported here: the selectors use the models, loaded after every app's config.
        """Register the household page's charity and department sections."""
        from jiuzhu.cooperation.selectors import household_entries
        from jiuzhu.registry import sections

        sections.register(household_entries)
