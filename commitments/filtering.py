"""The rules behind the commitment filters, shared by the public pages (public/filters.py,
Spanish parameters) and the API (api/filters.py, English ones): one meaning for both doors."""

from django.db.models import Q

from .models import Commitment


def by_status(queryset, status):
    """A commitment's status, as selectors.commitments_with_counts annotates it."""
    return queryset.filter(status=status)


def by_ogp_value(queryset, value):
    return queryset.filter(**{value: True})


def only_red(queryset, wanted):
    """True narrows to commitments with a red milestone; false is no filter."""
    return queryset.filter(red_count__gt=0) if wanted else queryset


def by_lead(queryset, organisation_id):
    """Commitments an institution leads, first or as a co-lead. A subquery, not a join, so the
    counts annotated on the queryset are not repeated."""
    co_led = Commitment.co_lead_institutions.through.objects.filter(
        organisation_id=organisation_id
    ).values("commitment_id")
    return queryset.filter(Q(lead_institution_id=organisation_id) | Q(pk__in=co_led))
