from django import template

register = template.Library()


@register.filter
def percent_of(part, whole):
    """Whole-number percentage of part in whole; 0 when there is nothing to count."""
    if not whole:
        return 0
    return round(100 * part / whole)
