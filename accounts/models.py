from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: a CSO member, a state official or an admin (staff).

    Citizens browse without an account. Roles per state are Memberships (states app).
    """

    email = models.EmailField(_("email address"), unique=True)
    # Emails are rendered in this language (notifications go out in the recipient's language).
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
