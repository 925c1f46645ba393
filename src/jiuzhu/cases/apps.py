from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jiuzhu.cases"
    label = "cases"
    verbose_name = "申请与审核"

    def ready(self) -> None:
        """Show the household's cases on its registry page."""
        # Imported here, not at the top: models may be imported only once the apps are ready.
        from jiuzhu.cases import (
            care,
            repricing,  # noqa: F401  (registers "cases.reprice")
        )
        from jiuzhu.cases.selectors import household_entries
        from jiuzhu.registry import sections

        sections.register(household_entries)
        sections.register(care.household_entries)
