from django.apps import AppConfig
from django.core.validators import ProhibitNullCharactersValidator

from jiuzhu.core.inputs import NUL_REFUSAL


class CoreConfig(AppConfig):
    name = "jiuzhu.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        """Revoke API tokens when their owner logs out or changes standing; one Chinese
        message for NUL characters in every text field, plain ones for every form."""
        # Imported here: models may not be imported before the app registry is ready.
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_save, pre_save

        from jiuzhu.core import tokens
        from jiuzhu.core.models import User

        user_logged_out.connect(tokens.revoke_on_logout, dispatch_uid="core.tokens.logout")
        pre_save.connect(tokens.note_standing_change, sender=User, dispatch_uid="core.tokens.pre")
        post_save.connect(
            tokens.revoke_on_standing_change, sender=User, dispatch_uid="core.tokens.post"
        )

        # Every form CharField and every DRF CharField refuses NUL characters with this
        # validator (PostgreSQL cannot store them); Django's own Chinese translation says
        # "empty string", which misleads, so the message is set once for all of them here.
        ProhibitNullCharactersValidator.message = NUL_REFUSAL
        # Plain Chinese for Django's form messages (core/forms.py).
        from jiuzhu.core.forms import use_plain_messages

        use_plain_messages()
