from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "jiuzhu.verification"
    label = "verification"
    verbose_name = "家庭经济状况核对"

    def ready(self) -> None:
        # Imported here, not at the top: selectors import models, which Django loads only
        # once every app is registered (ready() is the documented place).
        from jiuzhu.registry import sections
        from jiuzhu.verification import jobs  # noqa: F401  (registers the supervisor's sweep)
        from jiuzhu.verification.selectors import household_entries

        sections.register(household_entries)
