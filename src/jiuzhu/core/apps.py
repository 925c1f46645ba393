from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jiuzhu.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        """Revoke API tokens when their owner logs out or changes standing."""
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
