from django.apps import AppConfig
from django.core.validators import ProhibitNullCharactersValidator

from jiuzhu.core.inputs import NUL_REFUSAL


class CoreConfig(AppConfig):
    name = "jiuzhu.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        # Every form CharField and every DRF CharField refuses NUL characters with this
        # validator (PostgreSQL cannot store them); Django's own Chinese translation says
        # "empty string", which misleads, so the message is set once for all of them here.
        ProhibitNullCharactersValidator.message = NUL_REFUSAL
