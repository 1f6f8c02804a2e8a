from django import template
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.urls import translate_url
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from commitments.models import LightReason
from commitments.selectors import NO_MILESTONES

register = template.Library()

LIGHTS = {
    # Shape and words carry the meaning; colour only repeats it.
    "green": ("circle", _("Green: on track")),
    "yellow": ("triangle", _("Yellow: at risk")),
    "red": ("square", _("Red: overdue or stale")),
}
# Constant markup of ours, never user input: safe to mark so.
SHAPES = {
    "circle": mark_safe('<circle cx="8" cy="8" r="7"/>'),  # noqa: S308  # nosec B308
    "triangle": mark_safe('<polygon points="8,1 15,15 1,15"/>'),  # noqa: S308  # nosec B308
    "square": mark_safe('<rect x="1" y="1" width="14" height="14"/>'),  # noqa: S308  # nosec B308
}


@register.filter
def percent_of(part, whole):
    """Whole-number percentage of part in whole; 0 when there is nothing to count."""
    if not whole:
        return 0
    return round(100 * part / whole)


@register.filter
def as_percent(share):
    return round(100 * (share or 0))


# Why a light is what it is, in words (commitments.rules): a milestone's LightReason, or a
# commitment's (selectors.commitment_reason).
REASONS = {**dict(LightReason.choices), NO_MILESTONES: _("No milestones")}


def reason_words(reason, days=None):
    """The reason of a light as the badge writes it after the colour, lower case: "sin
    actividad del gobierno"; a late completion or an overdue milestone with its days late."""
    if reason == LightReason.COMPLETED_LATE and days:
        return ngettext("completed late: %(days)s day", "completed late: %(days)s days", days) % {
            "days": days
        }
    if reason == LightReason.OVERDUE and days:
        return ngettext("overdue: %(days)s day late", "overdue: %(days)s days late", days) % {
            "days": days
        }
    label = str(REASONS.get(reason, ""))
    return label[:1].lower() + label[1:]


@register.simple_tag
def light_badge(signal, short=False, reason=None, days=None):
    """The light: its shape and colour word, and with a reason, the reason in words beside it
    ("Verde · completado con retraso: 62 días"), never only "en tiempo" when it is not."""
    shape, label = LIGHTS.get(signal, LIGHTS["green"])
    text = str(label).split(":")[0] if short or reason else label
    if reason:
        text = gettext("%(light)s · %(reason)s") % {
            "light": text,
            "reason": reason_words(reason, days),
        }
    return format_html(
        '<span class="light light-{}"><svg viewBox="0 0 16 16" width="14" height="14" '
        'aria-hidden="true" focusable="false">{}</svg> {}</span>',
        signal,
        SHAPES[shape],
        text,
    )


@register.filter
def reason_label(reason):
    return reason_words(reason)


@register.simple_tag
def due_date(due_on, precision="day", short=False):
    """A due date as the plan gives it: "sin fecha" when it gives none, the month alone when
    it gives only the month ("mayo de 2027"), the day otherwise."""
    if due_on is None:
        return gettext("no due date")
    if precision == "month":
        return date_filter(due_on, "YEAR_MONTH_FORMAT")
    return date_filter(due_on, "SHORT_DATE_FORMAT" if short else "DATE_FORMAT")


@register.simple_tag
def site_languages():
    """The languages, each named in itself (get_available_languages would translate them)."""
    return settings.LANGUAGES


@register.simple_tag(takes_context=True)
def other_language_url(context, code):
    return translate_url(context["request"].get_full_path(), code)


@register.simple_tag(takes_context=True)
def absolute_url(context, path=None):
    request = context["request"]
    return request.build_absolute_uri(path or request.get_full_path())


# The counts beside a group's light (selectors._milestone_counts, _reschedule_times), in the
# order a reader needs them.
GROUP_MARKS = [
    (
        "completed_late_count",
        "late",
        ngettext_lazy("%(counter)s completed late", "%(counter)s completed late", "counter"),
    ),
    (
        "disputed_count",
        "disputed",
        ngettext_lazy("%(counter)s in dispute", "%(counter)s in dispute", "counter"),
    ),
    (
        "undated_count",
        "undated",
        ngettext_lazy("%(counter)s with no due date", "%(counter)s with no due date", "counter"),
    ),
    (
        "reschedule_count",
        "moved",
        ngettext_lazy("%(counter)s reschedule", "%(counter)s reschedules", "counter"),
    ),
]


MOVED_LATER = ngettext_lazy(
    "%(days)s day later than the original plan",
    "%(days)s days later than the original plan",
    "days",
)
MOVED_EARLIER = ngettext_lazy(
    "%(days)s day earlier than the original plan",
    "%(days)s days earlier than the original plan",
    "days",
)


@register.simple_tag
def group_marks(group):
    """What a group's light (a state, an institution, a commitment) does not say, the counts
    that are not zero: "2 completados con retraso · 1 en disputa"; nothing when all are."""

    def count(key):
        value = group.get(key) if isinstance(group, dict) else getattr(group, key, None)
        return value or 0

    marks = [(css, text % {"counter": count(key)}) for key, css, text in GROUP_MARKS if count(key)]
    # By how many days the moves put the plan back (or forward), against the original dates.
    later, earlier = count("days_later"), count("days_earlier")
    if later:
        marks.append(("moved", MOVED_LATER % {"days": later}))
    elif earlier:
        marks.append(("moved", MOVED_EARLIER % {"days": earlier}))
    if not marks:
        return ""
    return format_html(
        '<p class="marks">{}</p>',
        format_html_join(" · ", '<span class="mark mark-{}">{}</span>', marks),
    )
