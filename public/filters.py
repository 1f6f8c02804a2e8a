"""Filters of a state's commitment list, on its public page. Parameter names are Spanish,
since the links are shared in Spanish first; every filter, the sort and the page live in the
URL. The rules behind them are the domain's (commitments.filtering), shared with the API."""

import django_filters
from django import forms
from django.db.models import Case, F, IntegerField, Value, When
from django.utils.translation import gettext_lazy as _

from commitments import rules, search
from commitments.filtering import by_lead, by_ogp_value, by_status, only_red
from commitments.models import OGP_VALUES, Commitment, Milestone

SORTS = [
    ("plan", _("Action plan")),
    ("semaforo", _("Traffic light: red first")),
    ("proximo", _("Next due date")),
    ("-avance", _("Most progress")),
    ("avance", _("Least progress")),
    ("titulo", _("Title")),
]


class CommitmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    plan = django_filters.ChoiceFilter(
        field_name="action_plan__number", choices=[], label=_("Action plan"), empty_label=None
    )
    estatus = django_filters.ChoiceFilter(
        method="filter_status",
        choices=Milestone.Status.choices,
        label=_("Status"),
        empty_label=_("Any status"),
    )
    valor = django_filters.ChoiceFilter(
        method="filter_value", choices=OGP_VALUES, label=_("OGP value"), empty_label=_("Any value")
    )
    institucion = django_filters.ChoiceFilter(
        method="filter_lead", choices=[], label=_("Lead institution"), empty_label=None
    )
    tema = django_filters.ChoiceFilter(
        field_name="theme", choices=[], label=_("Theme"), empty_label=None
    )
    alerta = django_filters.BooleanFilter(
        method="filter_alert",
        label=_("Only overdue or stale"),
        widget=forms.CheckboxInput,
    )
    orden = django_filters.ChoiceFilter(
        method="sort", choices=SORTS, label=_("Sort by"), empty_label=None
    )

    class Meta:
        model = Commitment
        fields = []

    def __init__(self, data=None, *, plans, themes, leads, **kwargs):
        super().__init__(data, **kwargs)
        # Choices come from lists the page already loaded: rendering and validating the form
        # cost no query.
        fields = self.form.fields
        fields["plan"].choices = [("", _("All plans"))] + [(p.number, p.title) for p in plans]
        fields["institucion"].choices = [("", _("Any institution"))] + [
            (o.pk, str(o)) for o in leads
        ]
        fields["tema"].choices = [("", _("Any theme"))] + [(t, t) for t in themes]
        fields["orden"].initial = "plan"

    def filter_search(self, queryset, name, value):
        return search.search(queryset, value)

    def filter_status(self, queryset, name, value):
        return by_status(queryset, value)

    def filter_value(self, queryset, name, value):
        return by_ogp_value(queryset, value)

    def filter_lead(self, queryset, name, value):
        return by_lead(queryset, value)

    def filter_alert(self, queryset, name, value):
        return only_red(queryset, value)

    def sort(self, queryset, name, value):
        if self.form.cleaned_data.get("q") and value == "plan":
            return queryset  # best search matches first
        # The annotated light (selectors.COMMITMENT_LIGHT), the most severe first.
        light = Case(
            *(When(light=light, then=Value(-rank)) for light, rank in rules.SEVERITY.items()),
            output_field=IntegerField(),
        )
        orderings = {
            "plan": ["action_plan__number", "number"],
            "semaforo": [light, F("next_due_on").asc(nulls_last=True), "pk"],
            "proximo": [F("next_due_on").asc(nulls_last=True), "pk"],
            "-avance": [F("average_progress").desc(nulls_last=True), "pk"],
            "avance": [F("average_progress").asc(nulls_first=True), "pk"],
            "titulo": ["title", "pk"],
        }
        return queryset.order_by(*orderings.get(value, orderings["plan"]))
