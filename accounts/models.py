import hashlib
import secrets

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
    # Public pages and downloads name organisations only: naming civil-society staff and
    # public servants carries real risk in Mexico. A person may choose to be named.
    show_name_publicly = models.BooleanField(
        _("show my name on public pages"),
        default=False,
        help_text=_(
            "Off: public pages show only your organisation beside what you did. On: they also "
            "show your name."
        ),
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


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A personal token for the write API. Only its SHA-256 is stored: the token itself is
    shown once, when created. Tokens are random (256 bits), so a fast hash is enough."""

    PREFIX = "ogpt_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, so a person can tell their tokens apart.
    hint = models.CharField(_("starts with"), max_length=16, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def hash(key):
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user, name):
        """Creates a token; returns (token row, the secret to show once)."""
        key = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, key_hash=cls.hash(key), hint=key[: len(cls.PREFIX) + 4]
        )
        return token, key
