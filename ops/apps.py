import logging

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("Operations")

    def ready(self):
        if settings.LOG_FORMAT == "json":
            # Python's warnings go to the logs too, so every line printed is a JSON object.
            logging.captureWarnings(True)
