from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jiuzhu.registry"
    label = "registry"

    def ready(self) -> None:
        """Tell core's access log how households are numbered (core cannot import us)."""
        # Imported here: the selectors use the models, loaded only once every app is ready.
        from jiuzhu.core.selectors import HouseholdNumbers, name_households
        from jiuzhu.registry.selectors import household_ids_by_number, numbers_of_households

        name_households(HouseholdNumbers(of=numbers_of_households, ids=household_ids_by_number))
        # The duplicate scan's background task.
        from jiuzhu.registry.duplicates import job  # noqa: F401
