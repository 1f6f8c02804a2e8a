"""Who hears about what: queued notifications, reminders sent, citizens' follows, opt-outs.

A Transition (commitments) is claimed once by setting its notified_at; claiming it turns it
into one Notification per recipient, and the daily digest claims and sends those. A move of
a due date (Reschedule) is a Notification of the state's civil society too. The steps of a
dispute's thread are emailed at once, each recorded first as a DisputeNotice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models import (
    Commitment,
    Dispute,
    DisputeMessage,
    Milestone,
    Reschedule,
    Transition,
)
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
        RESCHEDULED = "rescheduled", _("Milestone's due date moved")

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
    # The move of a due date it tells of (kind "rescheduled"). No index of its own: the
    # unique index below leads with the user, and a reschedule is never deleted.
    reschedule = models.ForeignKey(
        Reschedule,
        verbose_name=_("reschedule"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        db_index=False,
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
            # One notice per person and move of a due date, however often it is delivered.
            models.UniqueConstraint(
                fields=["user", "reschedule"],
                condition=Q(reschedule__isnull=False),
                name="notification_once_per_reschedule",
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


class DisputeNotice(models.Model):
    """One email about a dispute's thread to one person, sent at once (not in the digest).

    Recorded before it is sent, and claimed by setting sent_at, so a task delivered twice
    (the outbox may) sends it once; a failed send is released for the retry. A notice that
    is no longer true when its turn comes (a dispute answered before its officials were
    told) is marked skipped instead of sent.
    """

    class Kind(models.TextChoices):
        OPENED = "opened", _("Dispute opened")
        REMINDER = "reminder", _("Dispute awaiting an answer")
        ANSWERED = "answered", _("Dispute answered")
        WITHDRAWN = "withdrawn", _("Dispute withdrawn")
        MAINTAINED = "maintained", _("Dispute maintained")

    dispute = models.ForeignKey(
        Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="notices"
    )
    # The step of the thread it tells of; none for a reminder.
    message = models.ForeignKey(
        DisputeMessage,
        verbose_name=_("dispute message"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="dispute_notices",
    )
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    skipped = models.BooleanField(
        _("not sent"),
        default=False,
        help_text=_("No longer true when its turn came, or nobody to send it to."),
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("dispute notice")
        verbose_name_plural = _("dispute notices")
        indexes = [
            models.Index(
                fields=["created_at"], condition=Q(sent_at=None), name="dispute_notice_due"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "message"],
                condition=Q(message__isnull=False),
                name="dispute_notice_once_per_message",
            ),
            # A reminder is claimed on the dispute (reminded_at); its notices carry that time.
            models.UniqueConstraint(
                fields=["user", "dispute", "created_at"],
                condition=Q(kind="reminder"),
                name="dispute_reminder_once",
            ),
            models.CheckConstraint(
                condition=Q(kind="reminder", message__isnull=True)
                | (~Q(kind="reminder") & Q(message__isnull=False)),
                name="dispute_notice_message_unless_reminder",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.dispute_id} → {self.user}"
