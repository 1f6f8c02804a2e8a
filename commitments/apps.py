from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = _("Action plans and commitments")

    def ready(self):
        from django.db.backends.signals import connection_created

        from .search import register_sqlite_functions

        connection_created.connect(register_sqlite_functions)

        from ops import health

        from .health import last_audit

        health.register("audit", last_audit)
