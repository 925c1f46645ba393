from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jiuzhu.cases"
    label = "cases"
    verbose_name = "申请与审核"

    def ready(self) -> None:
        from jiuzhu.cases.selectors import household_entries
        from jiuzhu.registry import sections

        sections.register(household_entries)
