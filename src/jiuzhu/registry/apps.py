from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "jiuzhu.registry"
    label = "registry"

    def ready(self) -> None:
        """Tell core's access log how households are numbered and the server what to load
        before it forks (core cannot import us)."""
        # Imported here: the selectors use the models, loaded only once every app is ready.
        from jiuzhu.core.selectors import HouseholdNumbers, name_households
        from jiuzhu.registry.selectors import household_ids_by_number, numbers_of_households

        name_households(HouseholdNumbers(of=numbers_of_households, ids=household_ids_by_number))
        from jiuzhu.core import warmup
        from jiuzhu.registry.duplicates import job  # noqa: F401  (the duplicate scan's task)
        from jiuzhu.registry.names import initials

        # Search's pinyin initials: pypinyin reads its dictionaries at the first name.
        warmup.register(lambda: initials("张三"))
