"""The public pages' filters, for the API (English parameter names, as APIs usually have)."""

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from commitments import filtering as rules
from commitments import search
from commitments.models import (
    OGP_VALUES,
    ActionPlan,
    Commitment,
    Evidence,
    LightReason,
    Milestone,
    StatusUpdate,
    VerificationStatus,
)


class InstantField(IsoDateTimeField):
    """An ISO 8601 date and time, as an instant in UTC: PostgreSQL takes UTC offsets up to
    15:59 only, and Python's reach 23:59 (`+16:00` was a 500). One that falls outside the
    years Python counts once in UTC (`0001-01-01T00:00+01:00`) is invalid."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class InstantFilter(django_filters.IsoDateTimeFilter):
    field_class = InstantField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**31 - 1})
class IdFilter(django_filters.NumberFilter):
    """A database id: a whole number the database can hold (anything else is a 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(*args, **kwargs)


class ActionPlanFilter(django_filters.FilterSet):
    state = django_filters.CharFilter(field_name="state__slug", label=_("State"))
    # The name this list had before every list filtered by `state`; kept for old clients
    # (deprecated in the schema: api/views.py).
    state__slug = django_filters.CharFilter(field_name="state__slug")
    status = django_filters.ChoiceFilter(choices=ActionPlan.Status.choices)

    class Meta:
        model = ActionPlan
        fields = []


class CommitmentFilter(django_filters.FilterSet):
    state = django_filters.CharFilter(field_name="action_plan__state__slug", label=_("State"))
    action_plan = IdFilter(field_name="action_plan_id", label=_("Action plan"))
    status = django_filters.ChoiceFilter(
        method="filter_status", choices=Milestone.Status.choices, label=_("Status")
    )
    ogp_value = django_filters.ChoiceFilter(
        method="filter_value", choices=OGP_VALUES, label=_("OGP value")
    )
    lead_institution = IdFilter(method="filter_lead", label=_("Lead institution"))
    theme = django_filters.CharFilter(field_name="theme", label=_("Theme"))
    overdue_or_stale = django_filters.BooleanFilter(
        method="filter_alert", label=_("Only overdue or stale")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))

    class Meta:
        model = Commitment
        fields = []

    def filter_status(self, queryset, name, value):
        return rules.by_status(queryset, value)

    def filter_value(self, queryset, name, value):
        return rules.by_ogp_value(queryset, value)

    def filter_lead(self, queryset, name, value):
        return rules.by_lead(queryset, value)

    def filter_alert(self, queryset, name, value):
        return rules.only_red(queryset, value)

    def filter_search(self, queryset, name, value):
        return search.search(queryset, value)


class MilestoneFilter(django_filters.FilterSet):
    state = django_filters.CharFilter(field_name="commitment__action_plan__state__slug")
    commitment = django_filters.CharFilter(field_name="commitment__ogp_id")
    status = django_filters.ChoiceFilter(choices=Milestone.Status.choices)
    signal = django_filters.ChoiceFilter(choices=Milestone._meta.get_field("signal").choices)
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lt")
    due_after = django_filters.DateFilter(field_name="due_on", lookup_expr="gte")
    light_reason = django_filters.ChoiceFilter(choices=LightReason.choices)
    verification_status = django_filters.ChoiceFilter(choices=VerificationStatus.choices)

    class Meta:
        model = Milestone
        fields = []


class EvidenceFilter(django_filters.FilterSet):
    state = django_filters.CharFilter(field_name="milestone__commitment__action_plan__state__slug")
    commitment = django_filters.CharFilter(field_name="milestone__commitment__ogp_id")
    milestone = IdFilter(field_name="milestone_id")
    kind = django_filters.ChoiceFilter(choices=Evidence.Kind.choices)
    retracted = django_filters.BooleanFilter(
        field_name="retracted_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Evidence
        fields = []


class StatusUpdateFilter(django_filters.FilterSet):
    state = django_filters.CharFilter(field_name="milestone__commitment__action_plan__state__slug")
    commitment = django_filters.CharFilter(field_name="milestone__commitment__ogp_id")
    milestone = IdFilter(field_name="milestone_id")
    since = InstantFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = StatusUpdate
        fields = []
