"""Template tags of the right of reply: the words for a dispute's state and each step of its
thread, and how long it has waited for an answer, counted from the page's `today`.

`{% load disputes %}`, in templates/public/_dispute.html and templates/panel/_dispute.html.
"""

from django import template
from django.utils import timezone
from django.utils.translation import ngettext, pgettext_lazy

from commitments.models import Dispute, DisputeMessage

register = template.Library()

STATES = {
    Dispute.State.OPEN: pgettext_lazy("dispute state", "Awaiting the government's answer"),
    Dispute.State.ANSWERED: pgettext_lazy(
        "dispute state", "Answered by the government; awaiting the organisation's reply"
    ),
    Dispute.State.WITHDRAWN: pgettext_lazy(
        "dispute state", "Withdrawn: the organisation is satisfied with the answer"
    ),
    Dispute.State.MAINTAINED: pgettext_lazy(
        "dispute state", "Maintained: the organisation is not satisfied with the answer"
    ),
    Dispute.State.SUPERSEDED: pgettext_lazy(
        "dispute state", "Closed: the government reported a new status"
    ),
}

STEPS = {
    DisputeMessage.Kind.REASON: pgettext_lazy("dispute thread", "Reason for the dispute"),
    DisputeMessage.Kind.ANSWER: pgettext_lazy("dispute thread", "Government's answer"),
    DisputeMessage.Kind.REJOINDER: pgettext_lazy("dispute thread", "Rejoinder"),
    DisputeMessage.Kind.WITHDRAWAL: pgettext_lazy("dispute thread", "Dispute withdrawn"),
    DisputeMessage.Kind.SUPERSEDED: pgettext_lazy(
        "dispute thread", "Closed by a new status report"
    ),
}


@register.simple_tag
def dispute_state_label(dispute):
    return STATES.get(dispute.state, dispute.state)


@register.simple_tag
def dispute_message_label(message):
    return STEPS.get(message.kind, message.kind)


def days_waiting(dispute, today):
    """Whole days since the dispute was opened, as of `today` (a date)."""
    return max((today - timezone.localdate(dispute.opened_at)).days, 0)


@register.simple_tag
def dispute_waiting(dispute, today):
    """ "disputa sin respuesta: 23 días", for a dispute still awaiting an answer."""
    days = days_waiting(dispute, today)
    return ngettext(
        "dispute unanswered: %(days)d day", "dispute unanswered: %(days)d days", days
    ) % {"days": days}


@register.simple_tag
def active_dispute(milestone):
    """The milestone's dispute in progress, from its prefetched `disputes`, or None."""
    return next((d for d in milestone.disputes.all() if d.is_active), None)
