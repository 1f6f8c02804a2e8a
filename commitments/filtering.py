"""The rules behind the commitment filters, shared by the public pages (public/filters.py,
Spanish parameters) and the API (api/filters.py, English ones): one meaning for both doors."""


def by_status(queryset, status):
    """A commitment's status, as selectors.commitments_with_counts annotates it."""
    return queryset.filter(status=status)


def by_ogp_value(queryset, value):
    return queryset.filter(**{value: True})


def only_red(queryset, wanted):
    """True narrows to commitments with a red milestone; false is no filter."""
    return queryset.filter(red_count__gt=0) if wanted else queryset
