"""The ranking over time in words: "+2 rojos vs. hace 30 días", "sin datos"."""

from django import template
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.simple_tag
def red_change(change):
    """A change of selectors.with_ranking_history in words: more red is worse."""
    if change.then is None:
        return gettext("no data %(days)s days ago") % {"days": change.days}
    n = change.red_change
    if n == 0:
        return gettext("no change in red vs. %(days)s days ago") % {"days": change.days}
    words = ngettext(
        "%(sign)s%(count)s red vs. %(days)s days ago",
        "%(sign)s%(count)s red vs. %(days)s days ago",
        abs(n),
    )
    return words % {"sign": "+" if n > 0 else "−", "count": abs(n), "days": change.days}
