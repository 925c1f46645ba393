from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "jiuzhu.verification"
    label = "verification"
    verbose_name = "家庭经济状况核对"

    def ready(self) -> None:
        from jiuzhu.registry import sections
        from jiuzhu.verification.selectors import household_entries

        sections.register(household_entries)
