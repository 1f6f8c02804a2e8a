"""Writes: claiming transitions, queueing notices, sending digests, follows and opt-outs.

Everything that sends is claim-before-send (healthchecks' Flip): a conditional UPDATE that
names the state it read decides which process owns a row, so however many workers run, each
transition is turned into notices once and each notice is emailed once.
"""

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments.models import Light, Milestone, Reschedule, Transition
from states.models import Membership

from . import describe, selectors, tokens
from .models import Follow, Notification, OptOut, ReminderSent

logger = logging.getLogger(__name__)

REMINDER_DAYS = 14
CLAIM_BATCH = 500


def absolute_url(path):
    return settings.SITE_URL + path


# --- Transitions into notices -------------------------------------------------------------


def notify_transitions(*, now):
    """Claims every transition not yet notified and queues its notices; returns how many.

    The claim and the notices share a transaction: a crash leaves the transition unclaimed
    for the next run, never claimed with its notices lost.
    """
    claimed = 0
    while True:
        ids = list(
            Transition.objects.filter(notified_at=None)
            .order_by("recorded_at", "id")
            .values_list("id", flat=True)[:CLAIM_BATCH]
        )
        if not ids:
            return claimed
        for transition_id in ids:
            with transaction.atomic():
                won = Transition.objects.filter(pk=transition_id, notified_at=None).update(
                    notified_at=now
                )
                if won:
                    claimed += 1
                    _queue_transition(transition_id, now=now)


def _queue_transition(transition_id, *, now):
    transition = Transition.objects.select_related(
        "milestone__commitment__action_plan__state", "actor"
    ).get(pk=transition_id)
    if transition.cause in Transition.QUIET_CAUSES:
        return  # a change of method or a correction is not news: claimed, told to nobody
    milestone = transition.milestone
    turned_red = transition.new_signal == Light.RED
    kind = Notification.Kind.TURNED_RED if turned_red else Notification.Kind.LIGHT_CHANGED
    notices = []
    if turned_red:
        users = selectors.users_to_alert(
            milestone=milestone,
            roles={Membership.Role.CSO, Membership.Role.OFFICIAL},
            exclude_user_id=transition.actor_id,
        )
        notices += [
            Notification(user=u, kind=kind, milestone=milestone, transition=transition)
            for u in users
        ]
    # Whoever caused the change is not told about it, under their account or their address.
    actor_email = transition.actor.email if transition.actor else None
    follows = selectors.follows_to_alert(
        milestone=milestone, turned_red=turned_red, exclude_email=actor_email
    )
    notices += [
        Notification(follow=f, kind=kind, milestone=milestone, transition=transition)
        for f in follows
    ]
    for notice in notices:
        notice.created_at = now
    Notification.objects.bulk_create(notices, ignore_conflicts=True)


def queue_reschedule_notices(*, reschedule_id, now):
    """Queues the notice of a moved due date for the civil society of the milestone's state
    (every move, whether or not the light changed); returns how many were queued.

    Unique per person and move, so a second delivery of the task queues nothing. Whoever
    moved it is not told; followers hear of it only through a light change it caused.
    """
    reschedule = (
        Reschedule.objects.select_related("milestone__commitment__action_plan__state")
        .filter(pk=reschedule_id)
        .first()
    )
    if reschedule is None or not reschedule.milestone.commitment.action_plan.state.is_active:
        return 0
    users = selectors.users_to_alert(
        milestone=reschedule.milestone,
        roles={Membership.Role.CSO},
        exclude_user_id=reschedule.author_id,
    )
    told = set(Notification.objects.filter(reschedule=reschedule).values_list("user", flat=True))
    notices = [
        Notification(
            user=u,
            kind=Notification.Kind.RESCHEDULED,
            milestone=reschedule.milestone,
            reschedule=reschedule,
            created_at=now,
        )
        for u in users
        if u.pk not in told
    ]
    # The unique constraint settles a second delivery running at the same moment.
    Notification.objects.bulk_create(notices, ignore_conflicts=True)
    return len(notices)


def queue_due_reminders(*, today, now):
    """Queues the reminder of each unfinished milestone due within 14 days, once per due date.

    A milestone rescheduled to a new date gets a new reminder; one already reminded for its
    date is skipped, whoever else runs this at the same time.
    """
    horizon = today + dt.timedelta(days=REMINDER_DAYS)
    milestones = (
        Milestone.objects.filter(
            due_on__gte=today,
            due_on__lte=horizon,
            commitment__action_plan__state__is_active=True,
        )
        .exclude(status=Milestone.Status.COMPLETED)
        .select_related("commitment__action_plan__state")
        .order_by("due_on", "id")
    )
    queued = 0
    for milestone in milestones:
        if ReminderSent.objects.filter(milestone=milestone, due_on=milestone.due_on).exists():
            continue
        try:
            with transaction.atomic():
                ReminderSent.objects.create(
                    milestone=milestone, due_on=milestone.due_on, created_at=now
                )
                users = selectors.users_to_alert(
                    milestone=milestone, roles={Membership.Role.OFFICIAL}
                )
                Notification.objects.bulk_create(
                    Notification(
                        user=u, kind=Notification.Kind.DUE_SOON, milestone=milestone, created_at=now
                    )
                    for u in users
                )
        except IntegrityError:
            continue  # another run reminded it first
        queued += 1
    return queued


# --- Digests ------------------------------------------------------------------------------


def pending_digest_recipients():
    """(user ids, citizen addresses) with notices waiting."""
    pending = Notification.objects.filter(sent_at=None)
    user_ids = set(pending.filter(user__isnull=False).values_list("user_id", flat=True))
    emails = {  # one digest per address, however it was typed in each follow
        email.lower(): email
        for email in pending.filter(follow__isnull=False).values_list("follow__email", flat=True)
    }
    return sorted(user_ids), sorted(emails.values(), key=str.lower)


def _claim(pending, *, now):
    """Claims the given pending notices for one digest; returns its token, or None."""
    ids = list(pending.values_list("id", flat=True))
    token = uuid.uuid4()
    # sent_at IS NULL on the row itself: a concurrent claimer re-checks it after the lock.
    won = Notification.objects.filter(pk__in=ids, sent_at=None).update(sent_at=now, digest=token)
    return token if won else None


def _release(token):
    Notification.objects.filter(digest=token).update(sent_at=None, digest=None)


def _items(token):
    return list(
        Notification.objects.filter(digest=token)
        .select_related(
            "milestone__commitment__action_plan__state",
            "transition",
            "reschedule",
            "follow__state",
            "follow__commitment",
        )
        .order_by("milestone__commitment__ogp_id", "milestone__number", "created_at", "id")
    )


def _moves(milestone, notices):
    """The moves of the due date a milestone's notices tell of: those notified as such, and
    those behind a light change with the cause "reschedule" (matched by when they were made,
    the moment its transition was recorded)."""
    moves = {n.reschedule_id: n.reschedule for n in notices if n.reschedule_id}
    at = {
        n.transition.recorded_at
        for n in notices
        if n.transition_id and n.transition.cause == Transition.Cause.RESCHEDULE
    }
    if at:
        found = Reschedule.objects.filter(milestone=milestone, created_at__in=at)
        moves.update((r.pk, r) for r in found)
    return sorted(moves.values(), key=lambda r: (r.created_at, r.pk))


def _entries(notices, *, today):
    """What a milestone's notices of one digest say, as true when it is sent: the net change
    over the period and the light now, not each step in between.

    A milestone that turned red and is red now is "red"; one that turned red and is no longer
    red "se puso en rojo y volvió a verde"; any other net change of its light "amarillo →
    verde: completado con retraso"; a change and its undoing (yellow and back to green) is
    not reported. A moved due date says so, "fecha reprogramada del … al …", never only the
    light it turned. A due-soon reminder is kept while the milestone is still open and due.
    """
    milestone = notices[0].milestone
    commitment = milestone.commitment
    base = {
        "milestone": milestone,
        "commitment": commitment,
        "state": commitment.action_plan.state,
        "url": absolute_url(commitment.get_absolute_url()),
        "light": describe.current_light(milestone, today=today),
        "reason": describe.reason(milestone, today=today),
    }
    entries = []
    transitions = sorted(
        {n.transition_id: n.transition for n in notices if n.transition_id}.values(),
        key=lambda t: (t.happened_at, t.pk),
    )
    moves = _moves(milestone, notices)
    move = None
    if moves:
        move = describe.moved(
            moves[0].old_due_on,
            moves[-1].new_due_on,
            after_due=any(r.after_due for r in moves),
            times=len(moves),
        )
    light = None
    if transitions:
        reds = [t for t in transitions if t.new_signal == Light.RED]
        start = transitions[0].old_signal
        if reds and milestone.signal == Light.RED:
            light = {"section": "red", "since": reds[-1].happened_at}
        elif reds:
            light = {
                "section": "changed",
                "change": _("turned red on %(date)s and is back to %(light)s")
                % {"date": describe.day(reds[-1].happened_at), "light": base["light"]},
            }
        elif start != milestone.signal:
            light = {
                "section": "changed",
                "change": f"{describe.colour(start).capitalize()} → {base['light']}",
            }
    if light and light["section"] == "red":
        entries.append({**base, **light, "move": move})
    elif move:
        entries.append({**base, "section": "rescheduled", "move": move})
    elif light:
        entries.append({**base, **light, "move": None})
    due_soon = any(n.kind == Notification.Kind.DUE_SOON for n in notices)
    if (
        due_soon
        and milestone.status != Milestone.Status.COMPLETED
        and milestone.due_on is not None
        and today <= milestone.due_on <= today + dt.timedelta(days=REMINDER_DAYS)
    ):
        days_left = (milestone.due_on - today).days
        entries.append({**base, "section": "due_soon", "days_left": days_left})
    return entries


def digest_entries(items, *, today):
    """The entries of a digest, milestone by milestone, in the order of its notices."""
    by_milestone = {}
    for notice in items:
        by_milestone.setdefault(notice.milestone_id, []).append(notice)
    return [e for notices in by_milestone.values() for e in _entries(notices, today=today)]


def _report_links(entries, user):
    """A due-soon reminder to an official carries signed links to a prefilled report of the
    milestone and to a one-click "no change" check (panel.views.report_link)."""
    for entry in entries:
        if entry["section"] != "due_soon":
            continue
        token = tokens.report_token(user=user, milestone=entry["milestone"])
        entry["report_url"] = absolute_url(reverse("panel:report-link", args=[token]))
        entry["unchanged_url"] = entry["report_url"] + "#sin-cambios"


def render_digest(
    *,
    items,
    language,
    greeting_name,
    unsubscribe_url,
    today,
    follows=(),
    subscriptions_url="",
    user=None,
):
    """Subject, plain text and HTML of a digest, in `language`; None when, by the time it is
    sent, nothing it held is still news (a light turned and turned back). A user's digest
    (`user`) links its reminders to a prefilled report."""
    with translation.override(language):
        entries = digest_entries(items, today=today)
        if not entries:
            return None
        if user is not None:
            _report_links(entries, user)
        sections = {
            name: [e for e in entries if e["section"] == name]
            for name in ("red", "rescheduled", "changed", "due_soon")
        }
        context = {
            "name": greeting_name,
            **sections,
            "unsubscribe_url": unsubscribe_url,
            "subscriptions_url": subscriptions_url,
            "follows": [
                {
                    "subject": f.subject,
                    "unsubscribe_url": absolute_url(
                        reverse("alerts:unsubscribe", args=[tokens.unsubscribe_token(follow=f)])
                    ),
                }
                for f in follows
            ],
            "site_url": settings.SITE_URL,
            "today": today,
        }
        count = len(entries)
        subject = ngettext(
            "OGP Tracker: %(count)d update on milestones",
            "OGP Tracker: %(count)d updates on milestones",
            count,
        ) % {"count": count}
        text = render_to_string("alerts/email/digest.txt", context)
        html = render_to_string("alerts/email/digest.html", context)
    return subject, text, html


def _send(*, to, subject, text, html, unsubscribe_url):
    message = EmailMultiAlternatives(
        subject,
        text,
        settings.DEFAULT_FROM_EMAIL,
        [to],
        headers={
            # One-click unsubscribe from the mail client (RFC 8058).
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    message.send()


def send_user_digest(*, user_id, now):
    """Emails one user every pending notice in one message; returns how many it held."""
    user = get_user_model().objects.filter(pk=user_id).first()
    pending = Notification.objects.filter(user_id=user_id, sent_at=None, created_at__lte=now)
    if user is None or not user.is_active or not user.email or hasattr(user, "alerts_opt_out"):
        # Nobody to tell: mark the notices done without sending.
        pending.update(sent_at=now)
        return 0
    token = _claim(pending, now=now)
    if token is None:
        return 0
    items = _items(token)
    with translation.override(user.language):
        unsubscribe_url = absolute_url(
            reverse("alerts:unsubscribe", args=[tokens.unsubscribe_token(user=user)])
        )
    rendered = render_digest(
        items=items,
        language=user.language,
        greeting_name=user.first_name or user.username,
        unsubscribe_url=unsubscribe_url,
        today=timezone.localdate(now),
        user=user,
    )
    if rendered is None:
        return 0  # nothing left to tell; the notices stay claimed
    subject, text, html = rendered
    try:
        _send(to=user.email, subject=subject, text=text, html=html, unsubscribe_url=unsubscribe_url)
    except Exception:
        _release(token)  # the next attempt sends them; nothing was sent this time
        raise
    return len(items)


def send_citizen_digest(*, email, now):
    """Emails one address every pending notice of its follows in one message."""
    pending = Notification.objects.filter(
        follow__email__iexact=email,
        follow__unsubscribed_at=None,
        sent_at=None,
        created_at__lte=now,
    )
    token = _claim(pending, now=now)
    if token is None:
        return 0
    items = _items(token)
    follows = {n.follow_id: n.follow for n in items}.values()
    language = items[0].follow.language
    with translation.override(language):
        unsubscribe_url = absolute_url(
            reverse("alerts:unsubscribe", args=[tokens.unsubscribe_token(email=email)])
        )
        manage_url = subscriptions_url(email)
    rendered = render_digest(
        items=items,
        language=language,
        greeting_name="",
        unsubscribe_url=unsubscribe_url,
        today=timezone.localdate(now),
        follows=follows,
        subscriptions_url=manage_url,
    )
    if rendered is None:
        return 0
    subject, text, html = rendered
    try:
        _send(to=email, subject=subject, text=text, html=html, unsubscribe_url=unsubscribe_url)
    except Exception:
        _release(token)
        raise
    return len(items)


def send_digests(*, now):
    """Sends every pending digest in this process (the task fans out one task per person)."""
    user_ids, emails = pending_digest_recipients()
    sent = 0
    for user_id in user_ids:
        sent += bool(send_user_digest(user_id=user_id, now=now))
    for email in emails:
        sent += bool(send_citizen_digest(email=email, now=now))
    return sent


# --- Citizens' follows --------------------------------------------------------------------


def request_follow(*, email, state=None, commitment=None, language, now):
    """Records a follow waiting for confirmation; returns it, or None when nothing is to send.

    Asking again for a follow already confirmed sends nothing (and says nothing of it), so
    the form cannot be used to learn who follows what.
    """
    email = email.strip()
    subject = {"state": state} if state is not None else {"commitment": commitment}
    live = Follow.objects.filter(email__iexact=email, unsubscribed_at=None, **subject).first()
    if live is not None:
        return None if live.confirmed_at else live
    try:
        with transaction.atomic():
            return Follow.objects.create(email=email, language=language, created_at=now, **subject)
    except IntegrityError:
        return None  # the same request twice at once; the first one sends the email


def send_follow_confirmation(*, follow_id):
    follow = Follow.objects.select_related("state", "commitment").filter(pk=follow_id).first()
    if follow is None or follow.confirmed_at or follow.unsubscribed_at:
        return False
    with translation.override(follow.language):
        confirm_url = absolute_url(reverse("alerts:confirm", args=[tokens.confirm_token(follow)]))
        context = {
            "follow": follow,
            "subject": follow.subject,
            "confirm_url": confirm_url,
            "days": settings.FOLLOW_CONFIRM_MAX_AGE // 86400,
        }
        subject = _("Confirm that you want to follow %(subject)s") % {"subject": follow.subject}
        text = render_to_string("alerts/email/confirm.txt", context)
        html = render_to_string("alerts/email/confirm.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [follow.email])
    message.attach_alternative(html, "text/html")
    message.send()
    return True


def confirm_follow(*, follow_id, now):
    """Confirms a follow once; returns it, or None when it no longer exists or was dropped."""
    Follow.objects.filter(pk=follow_id, confirmed_at=None, unsubscribed_at=None).update(
        confirmed_at=now
    )
    follow = Follow.objects.filter(pk=follow_id).first()
    if follow is None or follow.unsubscribed_at is not None:
        return None
    return follow


def purge_unconfirmed_follows(*, now):
    """Forgets the follows never confirmed once their link has expired: the address of
    someone who did not confirm is not kept. Returns how many."""
    expired = now - dt.timedelta(seconds=settings.FOLLOW_CONFIRM_MAX_AGE)
    deleted, _by_model = Follow.objects.filter(
        confirmed_at=None, unsubscribed_at=None, created_at__lt=expired
    ).delete()
    return deleted


def _unsubscribe_target(payload):
    """(user, None) or (None, follows) a signed unsubscribe link names; (None, None) when its
    user no longer exists."""
    if "u" in payload:
        return get_user_model().objects.filter(pk=payload["u"]).first(), None
    if "f" in payload:
        return None, Follow.objects.filter(pk=payload["f"])
    return None, Follow.objects.filter(email__iexact=payload["e"])


def describe_unsubscribe(*, payload):
    """What a signed unsubscribe link would stop, changing nothing (for its GET page)."""
    user, follows = _unsubscribe_target(payload)
    if user is not None:
        return {"opted_out": user, "already": hasattr(user, "alerts_opt_out")}
    if follows is None:
        return None
    follows = list(follows.select_related("state", "commitment"))
    return {
        "follows": [f.subject for f in follows],
        "already": all(f.unsubscribed_at is not None for f in follows),
    }


def subscriptions_url(email):
    return absolute_url(reverse("alerts:subscriptions", args=[tokens.subscriptions_token(email)]))


def subscriptions(*, email):
    """What an address follows (confirmed, or waiting for its confirmation), each with the
    signed link that stops it, for the page the emails link to."""
    follows = (
        Follow.objects.filter(email__iexact=email, unsubscribed_at=None)
        .select_related("state", "commitment__action_plan__state")
        .order_by("created_at", "pk")
    )
    return [
        {
            "follow": f,
            "subject": f.subject,
            "confirmed": f.confirmed_at is not None,
            "stop_url": reverse("alerts:unsubscribe", args=[tokens.unsubscribe_token(follow=f)]),
        }
        for f in follows
    ]


def unsubscribe(*, payload, now):
    """Acts on a signed unsubscribe link; returns what was stopped (for the page to say)."""
    user, follows = _unsubscribe_target(payload)
    if user is not None:
        OptOut.objects.get_or_create(user=user, defaults={"created_at": now})
        Notification.objects.filter(user=user, sent_at=None).update(sent_at=now)
        return {"opted_out": user}
    if follows is None:
        return None
    found = list(follows.select_related("state", "commitment"))
    follows.filter(unsubscribed_at=None).update(unsubscribed_at=now)
    Notification.objects.filter(follow__in=follows, sent_at=None).update(sent_at=now)
    email = found[0].email if found else payload.get("e")
    return {
        "follows": [f.subject for f in found],
        "subscriptions_url": email
        and reverse("alerts:subscriptions", args=[tokens.subscriptions_token(email)]),
    }
