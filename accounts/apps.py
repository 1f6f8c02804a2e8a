from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        # Connects the receiver that marks a browser its account signed in from.
        from . import signin  # noqa: F401


class AxesConfig(AxesAppConfig):
    """django-axes under a name people understand in the admin (accounts/locale_overrides.py)."""

    verbose_name = _("Sign-in lockouts")
