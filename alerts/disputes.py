"""The right of reply by email: each step of a dispute's thread is told at once to the other
side, and a dispute left unanswered is recalled to the officials who answer for it.

- opened, maintained, withdrawn: the officials of the commitment's lead and supporting
  institutions (the organisations that may answer, commitments.permissions);
- answered: the members of the civil-society organisation that disputed;
- a reminder, while it waits for an answer: the same officials, once every
  REMIND_EVERY_DAYS from REMIND_AFTER_DAYS after it was opened, claimed on the dispute's
  reminded_at.

Whoever took the step is not told of it, citizens' follows are never told (the thread is on
the milestone's page and in its feed), and opted-out users are not written to. Every email is
first a DisputeNotice, unique per person and step (or per person and reminder), then claimed
and sent: a task the outbox delivers twice sends nothing twice. A notice is sent only while
it is true: officials are not asked to answer a dispute already answered or withdrawn.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments.models import Dispute, DisputeMessage
from states.models import Membership

from . import selectors, tokens
from .models import DisputeNotice

logger = logging.getLogger(__name__)

REMIND_AFTER_DAYS = 7
REMIND_EVERY_DAYS = 7

Kind = DisputeNotice.Kind
State = Dispute.State

# Event queued by commitments.services -> (notice, the step of the thread it tells of).
EVENTS = {
    "opened": (Kind.OPENED, DisputeMessage.Kind.REASON),
    "answered": (Kind.ANSWERED, DisputeMessage.Kind.ANSWER),
    "withdrawn": (Kind.WITHDRAWN, DisputeMessage.Kind.WITHDRAWAL),
    "maintained": (Kind.MAINTAINED, DisputeMessage.Kind.REJOINDER),
}
# A notice is true while its dispute is in one of these states.
TRUE_WHILE = {
    Kind.OPENED: {State.OPEN},
    Kind.REMINDER: {State.OPEN},
    Kind.ANSWERED: {State.ANSWERED},
    Kind.WITHDRAWN: {State.WITHDRAWN},
    Kind.MAINTAINED: {State.MAINTAINED},
}
_RELATED = (
    "dispute__milestone__commitment__action_plan__state",
    "dispute__organisation",
    "dispute__verification",
    "message__organisation",
    "user",
)


def _recipients(dispute, kind, *, exclude_user_id=None):
    if kind == Kind.ANSWERED:
        return selectors.members_of_disputing_organisation(
            dispute=dispute, exclude_user_id=exclude_user_id
        )
    return selectors.users_to_alert(
        milestone=dispute.milestone,
        roles={Membership.Role.OFFICIAL},
        exclude_user_id=exclude_user_id,
    )


def notify_dispute(*, dispute_id, event, now):
    """Records and sends the notices of one step of a dispute; returns how many were sent."""
    if event not in EVENTS:
        raise ValueError(f"unknown dispute event {event!r}")
    kind, message_kind = EVENTS[event]
    dispute = (
        Dispute.objects.select_related("milestone__commitment__action_plan__state")
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None:
        return 0
    # The latest step of that kind: a maintained dispute may be answered again, and the
    # organisation hears of the answer in force.
    message = (
        DisputeMessage.objects.filter(dispute=dispute, kind=message_kind)
        .order_by("-created_at", "-id")
        .first()
    )
    if message is not None and dispute.state in TRUE_WHILE[kind]:
        users = _recipients(dispute, kind, exclude_user_id=message.author_id)
        DisputeNotice.objects.bulk_create(
            [
                DisputeNotice(dispute=dispute, message=message, kind=kind, user=u, created_at=now)
                for u in users
            ],
            ignore_conflicts=True,
        )
    return send_pending(now=now, dispute_id=dispute.pk)


def remind_unanswered(*, now, after_days=REMIND_AFTER_DAYS, every_days=REMIND_EVERY_DAYS):
    """Reminds the officials of every dispute open (unanswered) for `after_days` or more, at
    most once every `every_days`; returns how many disputes were reminded.

    Each reminder is claimed on the dispute (a conditional UPDATE of its reminded_at), so two
    runs at once remind a dispute once. Notices a failed run left unsent go out too.
    """
    due = (
        Dispute.objects.filter(
            state=State.OPEN,
            opened_at__lte=now - dt.timedelta(days=after_days),
            milestone__commitment__action_plan__state__is_active=True,
        )
        .filter(Q(reminded_at=None) | Q(reminded_at__lte=now - dt.timedelta(days=every_days)))
        .select_related("milestone__commitment__action_plan__state")
        .order_by("opened_at", "id")
    )
    reminded = 0
    for dispute in due:
        with transaction.atomic():
            won = Dispute.objects.filter(
                pk=dispute.pk, state=State.OPEN, reminded_at=dispute.reminded_at
            ).update(reminded_at=now)
            if not won:
                continue  # answered meanwhile, or another run reminded it first
            DisputeNotice.objects.bulk_create(
                [
                    DisputeNotice(dispute=dispute, kind=Kind.REMINDER, user=u, created_at=now)
                    for u in _recipients(dispute, Kind.REMINDER)
                ],
                ignore_conflicts=True,
            )
        reminded += 1
    send_pending(now=now)
    return reminded


def send_pending(*, now, dispute_id=None):
    """Sends the dispute notices waiting (of one dispute, or all); returns how many."""
    pending = DisputeNotice.objects.filter(sent_at=None)
    if dispute_id is not None:
        pending = pending.filter(dispute_id=dispute_id)
    sent = 0
    for notice in pending.select_related(*_RELATED).order_by("created_at", "id"):
        sent += _send(notice, now=now)
    return sent


def _why_not(notice):
    """Why a notice must not go out now, or None."""
    user = notice.user
    if not user.is_active or not user.email or hasattr(user, "alerts_opt_out"):
        return "nobody to tell"
    dispute = notice.dispute
    if dispute.state not in TRUE_WHILE[notice.kind]:
        return "no longer true"
    if notice.kind == Kind.ANSWERED:
        latest = (
            DisputeMessage.objects.filter(dispute=dispute, kind=DisputeMessage.Kind.ANSWER)
            .order_by("-created_at", "-id")
            .values_list("id", flat=True)
            .first()
        )
        if latest != notice.message_id:
            return "a newer answer replaced it"
    return None


def _send(notice, *, now):
    why_not = _why_not(notice)
    if why_not:
        DisputeNotice.objects.filter(pk=notice.pk, sent_at=None).update(sent_at=now, skipped=True)
        logger.info("Dispute notice %s not sent: %s", notice.pk, why_not)
        return 0
    if not DisputeNotice.objects.filter(pk=notice.pk, sent_at=None).update(sent_at=now):
        return 0  # another run sends it
    user = notice.user
    try:
        with translation.override(user.language):
            unsubscribe_url = settings.SITE_URL + reverse(
                "alerts:unsubscribe", args=[tokens.unsubscribe_token(user=user)]
            )
        subject, text, html = render(
            notice,
            language=user.language,
            name=user.first_name or user.username,
            unsubscribe_url=unsubscribe_url,
            today=timezone.localdate(now),
        )
        message = EmailMultiAlternatives(
            subject,
            text,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(html, "text/html")
        message.send()
    except Exception:
        # Released: the task's retry (or the next reminders' run) sends it.
        DisputeNotice.objects.filter(pk=notice.pk).update(sent_at=None)
        raise
    return 1


def days_waiting(dispute, *, today):
    """Whole days a dispute has waited for an answer (since it was opened), as of `today`."""
    return max((today - timezone.localdate(dispute.opened_at)).days, 0)


def _subject(notice, *, code, days):
    dispute = notice.dispute
    organisation = dispute.organisation.name
    if notice.kind == Kind.OPENED:
        return _("%(organisation)s disputes the status of %(milestone)s: your answer") % {
            "organisation": organisation,
            "milestone": code,
        }
    if notice.kind == Kind.REMINDER:
        return ngettext(
            "Dispute unanswered for %(days)d day: %(milestone)s",
            "Dispute unanswered for %(days)d days: %(milestone)s",
            days,
        ) % {"days": days, "milestone": code}
    if notice.kind == Kind.ANSWERED:
        return _("%(answerer)s answered your dispute of %(milestone)s") % {
            "answerer": notice.message.organisation,
            "milestone": code,
        }
    if notice.kind == Kind.WITHDRAWN:
        return _("%(organisation)s withdrew its dispute of %(milestone)s") % {
            "organisation": organisation,
            "milestone": code,
        }
    return _("%(organisation)s maintains its dispute of %(milestone)s") % {
        "organisation": organisation,
        "milestone": code,
    }


def render(notice, *, language, name, unsubscribe_url, today):
    """Subject, plain text and HTML of a dispute notice, in `language`."""
    dispute = notice.dispute
    milestone = dispute.milestone
    commitment = milestone.commitment
    code = f"{commitment.ogp_id}.{milestone.number}"
    with translation.override(language):
        reason = (
            DisputeMessage.objects.filter(dispute=dispute, kind=DisputeMessage.Kind.REASON)
            .order_by("created_at", "id")
            .first()
        )
        days = days_waiting(dispute, today=today)
        context = {
            "kind": notice.kind,
            "name": name,
            "dispute": dispute,
            "milestone": milestone,
            "commitment": commitment,
            "state": commitment.action_plan.state,
            "code": code,
            "judged": dispute.verification,
            "reason": reason,
            "step": notice.message,
            "days": days,
            "panel_url": settings.SITE_URL
            + reverse("panel:milestone", kwargs={"pk": milestone.pk}),
            "public_url": settings.SITE_URL
            + reverse("public:milestone", args=[commitment.ogp_id, milestone.number]),
            "unsubscribe_url": unsubscribe_url,
            "site_url": settings.SITE_URL,
        }
        subject = _subject(notice, code=code, days=days)
        text = render_to_string("alerts/email/dispute.txt", context)
        html = render_to_string("alerts/email/dispute.html", context)
    return subject, text, html
