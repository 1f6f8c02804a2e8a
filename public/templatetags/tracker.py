from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

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


@register.simple_tag
def light_badge(signal, short=False):
    shape, label = LIGHTS.get(signal, LIGHTS["green"])
    text = str(label).split(":")[0] if short else label
    return format_html(
        '<span class="light light-{}"><svg viewBox="0 0 16 16" width="14" height="14" '
        'aria-hidden="true" focusable="false">{}</svg> {}</span>',
        signal,
        SHAPES[shape],
        text,
    )


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
