"""Which data is demo data, the one rule every page, card, widget and download reads.

A commitment is demo data when `seed_demo` loaded it (Commitment.is_demo: its milestones,
progress and evidence are invented) or when it is an invented example (is_illustrative).
Anything shown about it (a state's or an institution's totals, a list of milestones) then
includes demo data and is marked "Ejemplo ilustrativo", so that it is never published as real.
"""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _


def demo_filter(prefix=""):
    """The commitments reached through `prefix` (e.g. "commitment__") that are demo data."""
    return Q(**{f"{prefix}is_demo": True}) | Q(**{f"{prefix}is_illustrative": True})


def demo_count(prefix=""):
    """An aggregate: how many of the commitments reached through `prefix` are demo data
    ("action_plans__commitments__" from a state). Annotated with the other counts, so the
    mark costs no query of its own."""
    return Count(f"{prefix}id" if prefix else "id", filter=demo_filter(prefix), distinct=True)


def is_demo(commitment):
    return commitment.is_demo or commitment.is_illustrative


def marked(text, commitment):
    """`text` (a feed entry's or a calendar event's title) with the demo mark before it when
    `commitment` is demo data: a line read alone, away from any page's banner."""
    if is_demo(commitment):
        return _("[Illustrative example] %(text)s") % {"text": text}
    return text


def _item_is_demo(item):
    count = getattr(item, "demo_commitment_count", None)  # a group annotated by demo_count
    if count is not None:
        return count > 0
    commitment = getattr(item, "commitment", item)  # a milestone, or a commitment
    return is_demo(commitment)


def includes_demo(*groups):
    """Whether anything in `groups` is, or counts, demo data. Each group is a list of
    commitments, milestones (their commitment loaded) or rows annotated by demo_count, or a
    queryset of commitments or milestones (one EXISTS query, unless it is a page of results
    or already read: its rows are then looked at)."""
    for group in groups:
        if (
            isinstance(group, QuerySet)
            and not group.query.is_sliced
            and group._result_cache is None
        ):
            prefix = "" if group.model._meta.model_name == "commitment" else "commitment__"
            if group.filter(demo_filter(prefix)).exists():
                return True
        elif any(_item_is_demo(item) for item in group):
            return True
    return False
