from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jiuzhu.cases"
    label = "cases"
    verbose_name = "申请与审核"

    def ready(self) -> None:
        """Show the household's cases on its registry page; drop the kept notice boards
        when a case or recipient changes."""
        # Imported here, not at the top: models may be imported only once the apps are ready.
        from django.db.models.signals import post_delete, post_save

        from jiuzhu.cases import (
            care,
            public,
            repricing,  # noqa: F401  (registers "cases.reprice")
        )
        from jiuzhu.cases.models import Case, Recipient

        for model in (Case, Recipient):
            post_save.connect(public.board_changed, sender=model)
            post_delete.connect(public.board_changed, sender=model)
        from jiuzhu.cases.selectors import household_entries
        from jiuzhu.registry import sections

        sections.register(household_entries)
        sections.register(care.household_entries)
