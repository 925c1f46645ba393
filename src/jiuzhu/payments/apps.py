from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "jiuzhu.payments"
    label = "payments"
    verbose_name = "资金发放"

    def ready(self) -> None:
        from jiuzhu.payments import jobs  # noqa: F401  (registers the background task)
        from jiuzhu.payments.selectors import household_entries
        from jiuzhu.registry import sections

        sections.register(household_entries)
