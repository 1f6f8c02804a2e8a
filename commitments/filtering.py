"""The rules behind the commitment filters, shared by the public pages (public/filters.py,
Spanish parameters) and the API (api/filters.py, English ones): one meaning for both doors."""

from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .models import Milestone

OGP_VALUES = [
    ("access_to_information", _("Access to information")),
    ("civic_participation", _("Civic participation")),
    ("public_accountability", _("Public accountability")),
    ("technology_and_innovation", _("Technology and innovation")),
]


def by_status(queryset, status):
    """A commitment's status derived from its milestones' (annotated counts)."""
    complete = Q(milestone_count__gt=0, completed_count=F("milestone_count"))
    if status == Milestone.Status.COMPLETED:
        return queryset.filter(complete)
    if status == Milestone.Status.NOT_STARTED:
        return queryset.filter(started_count=0)
    return queryset.filter(started_count__gt=0).exclude(complete)


def by_ogp_value(queryset, value):
    return queryset.filter(**{value: True})


def only_red(queryset, wanted):
    """True narrows to commitments with a red milestone; false is no filter."""
    return queryset.filter(red_count__gt=0) if wanted else queryset
