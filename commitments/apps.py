from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = _("Action plans and commitments")

    def ready(self):
        from django.apps import apps
        from django.db.backends.signals import connection_created
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .cache import bump_public_version
        from .search import register_sqlite_functions

        connection_created.connect(register_sqlite_functions)
        # Any saved row of what the public pages show invalidates their cache.
        for label in ("states", "commitments"):
            for model in apps.get_app_config(label).get_models():
                post_save.connect(bump_public_version, sender=model, weak=False)
                post_delete.connect(bump_public_version, sender=model, weak=False)
        m2m_changed.connect(
            bump_public_version,
            sender=apps.get_model("commitments", "Commitment").supporting_institutions.through,
            weak=False,
        )
