"""Words for a milestone's light in notices and feeds: the colour with the reason the rules
give it now ("verde: completado con retraso, 62 días"), never the bare label "Verde: en
tiempo" for a milestone that is green for another reason.

Their own message contexts ("light colour", "light reason"), so they never collide with the
labels of the models' choices.
"""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy

from commitments import rules
from commitments.models import Light, LightReason

COLOURS = {
    Light.GREEN: pgettext_lazy("light colour", "green"),
    Light.YELLOW: pgettext_lazy("light colour", "yellow"),
    Light.RED: pgettext_lazy("light colour", "red"),
}

REASONS = {
    LightReason.ON_TRACK: pgettext_lazy("light reason", "on track"),
    LightReason.DUE_SOON: pgettext_lazy("light reason", "due soon"),
    LightReason.QUIET: pgettext_lazy("light reason", "no activity for a while"),
    LightReason.OVERDUE: pgettext_lazy("light reason", "overdue"),
    LightReason.STALE: pgettext_lazy("light reason", "no activity by the government"),
    LightReason.UNDATED: pgettext_lazy("light reason", "no due date"),
    LightReason.COMPLETED: pgettext_lazy("light reason", "completed"),
    LightReason.COMPLETED_LATE: pgettext_lazy("light reason", "completed late"),
}


def colour(signal):
    return str(COLOURS.get(signal, signal))


def reason(milestone, *, today):
    """The reason for the milestone's current light, with its days late when completed late."""
    code = milestone.light_reason
    text = str(REASONS.get(code, code))
    if code == LightReason.COMPLETED_LATE:
        late = rules.days_late(
            status=milestone.status,
            due_on=milestone.due_on,
            completed_on=milestone.completed_on,
            signal=milestone.signal,
            today=today,
        )
        if late:
            text = ngettext("%(reason)s, %(days)d day", "%(reason)s, %(days)d days", late) % {
                "reason": text,
                "days": late,
            }
    return text


def current_light(milestone, *, today):
    """ "verde: completado con retraso, 62 días": the light now and why."""
    return pgettext("light and its reason", "%(colour)s: %(reason)s") % {
        "colour": colour(milestone.signal),
        "reason": reason(milestone, today=today),
    }


def day(value):
    """A date as the notices write it ("30 de junio de 2026")."""
    if value is None:
        return _("no date")
    if hasattr(value, "tzinfo"):
        value = timezone.localdate(value)
    return date_format(value, "DATE_FORMAT")


def moved(old_due_on, new_due_on, *, after_due=False, times=1):
    """ "fecha reprogramada del 30 de junio de 2026 al 31 de diciembre de 2026": what a move
    of the due date says, never only the light it changed."""
    if old_due_on == new_due_on:
        text = _("due date moved and moved back to %(date)s") % {"date": day(new_due_on)}
    else:
        text = pgettext("notice", "due date moved from %(old)s to %(new)s") % {
            "old": day(old_due_on),
            "new": day(new_due_on),
        }
    if times > 1:
        text += " " + ngettext("(moved %(n)d time)", "(moved %(n)d times)", times) % {"n": times}
    if after_due:
        text += " · " + _("moved after falling due")
    return text
