from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "jiuzhu.payments"
    label = "payments"
    verbose_name = "资金发放"

    def ready(self) -> None:
        # Imported here, not at the top: these modules use the models, which Django loads
        # only after every app's config (an import at module level would run too early).
        """Register the background task and the household page's payments section."""
        from jiuzhu.payments import files, jobs, partitions  # noqa: F401  (task, sweeps)
        from jiuzhu.payments.selectors import household_entries
        from jiuzhu.registry import sections

        sections.register(household_entries)
