from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from states.models import Membership


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


class Invitation(models.Model):
    """An admin's invitation to take a role in a state for an organisation.

    Only the SHA-256 of the token is stored: the link in the email is the one copy of the
    secret. It works once (accepted_at) and until expires_at.
    """

    email = models.EmailField(_("email address"))
    state = models.ForeignKey(
        "states.State", verbose_name=_("state"), on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        "states.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=20, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.email} · {self.get_role_display()} · {self.state}"

    def is_usable(self, *, now):
        return self.accepted_at is None and now < self.expires_at
