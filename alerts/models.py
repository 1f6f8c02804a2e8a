"""Who hears about what: queued notifications, reminders sent, citizens' follows, opt-outs.

A Transition (commitments) is claimed once by setting its notified_at; claiming it turns it
into one Notification per recipient, and the daily digest claims and sends those.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models import Commitment, Milestone, Transition
from states.models import State


class Follow(models.Model):
    """A citizen's follow of a state or a commitment by email, confirmed by double opt-in."""

    email = models.EmailField(_("email address"))
    state = models.ForeignKey(
        State,
        verbose_name=_("state"),
        on_delete=models.CASCADE,
        related_name="follows",
        null=True,
        blank=True,
    )
    commitment = models.ForeignKey(
        Commitment,
        verbose_name=_("commitment"),
        on_delete=models.CASCADE,
        related_name="follows",
        null=True,
        blank=True,
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.CheckConstraint(
                condition=(Q(state__isnull=False) & Q(commitment__isnull=True))
                | (Q(state__isnull=True) & Q(commitment__isnull=False)),
                name="follow_state_xor_commitment",
            ),
            # One live follow per address and subject; after unsubscribing one may follow again.
            models.UniqueConstraint(
                fields=["email", "state"],
                condition=Q(unsubscribed_at=None, state__isnull=False),
                name="follow_state_once",
            ),
            models.UniqueConstraint(
                fields=["email", "commitment"],
                condition=Q(unsubscribed_at=None, commitment__isnull=False),
                name="follow_commitment_once",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.state or self.commitment}"

    @property
    def subject(self):
        return self.state or self.commitment

    @property
    def is_active(self):
        return self.confirmed_at is not None and self.unsubscribed_at is None


class OptOut(models.Model):
    """A user who unsubscribed from alert emails with the link at the foot of every email."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="alerts_opt_out",
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("email opt-out")
        verbose_name_plural = _("email opt-outs")

    def __str__(self):
        return str(self.user)


class Notification(models.Model):
    """One event waiting for one recipient's daily digest (a user or a citizen's follow)."""

    class Kind(models.TextChoices):
        TURNED_RED = "red", _("Milestone turned red")
        LIGHT_CHANGED = "light", _("Traffic light changed")
        DUE_SOON = "due_soon", _("Milestone due in 14 days")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    follow = models.ForeignKey(
        Follow,
        verbose_name=_("follow"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    milestone = models.ForeignKey(
        Milestone, verbose_name=_("milestone"), on_delete=models.CASCADE, related_name="+"
    )
    transition = models.ForeignKey(
        Transition,
        verbose_name=_("traffic-light change"),
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Set when a digest claims it, before the email goes out: sent at most once.
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    digest = models.UUIDField(_("digest"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["created_at"], condition=Q(sent_at=None), name="notification_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(follow__isnull=True))
                | (Q(user__isnull=True) & Q(follow__isnull=False)),
                name="notification_user_xor_follow",
            ),
            # Belt and braces behind the claim: one notice per recipient and transition.
            models.UniqueConstraint(
                fields=["user", "transition"],
                condition=Q(transition__isnull=False, user__isnull=False),
                name="notification_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["follow", "transition"],
                condition=Q(transition__isnull=False, follow__isnull=False),
                name="notification_once_per_follow",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.milestone_id} → {self.user or self.follow}"


class ReminderSent(models.Model):
    """The 14-day reminder of a milestone for one due date: a rescheduled date gets its own."""

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("milestone"), on_delete=models.CASCADE, related_name="+"
    )
    due_on = models.DateField(_("due date"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["milestone", "due_on"], name="reminder_once_per_due"),
        ]

    def __str__(self):
        return f"{self.milestone_id} · {self.due_on}"
