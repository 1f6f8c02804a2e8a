"""The worklist (/panel/hitos/): every milestone a contributor may act on, filterable,
sortable, searchable and paginated, with what needs them first.

Which milestones are listed is commitments.permissions.workable_milestones, the same rule as
every write's permission (a test holds the two equal); what "needs my report" and "awaiting
verification" mean is commitments.selectors' (`needs_report`, `awaiting_verification`).
Parameter names are Spanish, like the public filters', and live in the URL.
"""

import datetime as dt

import django_filters
from django import forms
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments import permissions, rules, selectors
from commitments.models import ActionPlan, Light, Milestone, VerificationStatus
from states.models import Organisation

PAGE_SIZE = 50

DUE = [
    ("vencidos", _("Overdue")),
    ("30", _("Due within 30 days")),
    ("90", _("Due within 90 days")),
    ("sin-fecha", _("No due date")),
]
NEEDS = [
    ("reporte", _("Needs my report")),
    ("verificacion", _("Awaiting verification")),
    ("disputa", _("Disputed")),
]
SORTS = [
    ("urgencia", _("What needs me first")),
    ("vencimiento", _("Due date, soonest first")),
    ("-vencimiento", _("Due date, latest first")),
    ("actividad", _("Longest without activity")),
    ("compromiso", _("Commitment")),
]


class WorklistFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search", label=_("Search"), widget=forms.SearchInput(attrs={"size": 30})
    )
    plan = django_filters.ChoiceFilter(
        field_name="commitment__action_plan_id",
        choices=[],
        label=_("Action plan"),
        empty_label=_("All plans"),
    )
    institucion = django_filters.ChoiceFilter(
        method="filter_institution",
        choices=[],
        label=_("Institution"),
        empty_label=_("Any institution"),
    )
    luz = django_filters.ChoiceFilter(
        field_name="signal",
        choices=Light.choices,
        label=_("Traffic light"),
        empty_label=_("Any light"),
    )
    vence = django_filters.ChoiceFilter(
        method="filter_due", choices=DUE, label=_("Due date"), empty_label=_("Any date")
    )
    necesita = django_filters.ChoiceFilter(
        method="filter_needs", choices=NEEDS, label=_("Needs"), empty_label=_("Anything")
    )
    orden = django_filters.ChoiceFilter(
        method="sort", choices=SORTS, label=_("Sort by"), empty_label=None
    )

    class Meta:
        model = Milestone
        fields = []

    def __init__(self, data=None, *, now, plans, institutions, **kwargs):
        super().__init__(data, **kwargs)
        self.now = now
        # Choices from lists already loaded: rendering and validating cost no query.
        fields = self.form.fields
        fields["plan"].choices = [(p.pk, f"{p.state} · {p.title}") for p in plans]
        fields["institucion"].choices = [(o.pk, str(o)) for o in institutions]

    @property
    def qs(self):
        queryset = super().qs
        if not getattr(self.form, "cleaned_data", {}).get("orden"):
            queryset = self.sort(queryset, "orden", "urgencia")
        return queryset

    def filter_search(self, queryset, name, value):
        words = value.split()[:8]
        for word in words:
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(commitment__title__icontains=word)
                | Q(commitment__ogp_id__icontains=word)
            )
        return queryset

    def filter_institution(self, queryset, name, value):
        ids = Milestone.objects.filter(
            Q(commitment__lead_institution_id=value)
            | Q(commitment__co_lead_institutions=value)
            | Q(commitment__supporting_institutions=value)
        ).values("pk")
        return queryset.filter(pk__in=ids)

    def filter_due(self, queryset, name, value):
        today = timezone.localdate(self.now)
        unfinished = queryset.exclude(status=Milestone.Status.COMPLETED)
        if value == "sin-fecha":
            return unfinished.filter(due_on__isnull=True)
        if value == "vencidos":
            return unfinished.filter(due_on__lt=today)
        return unfinished.filter(due_on__gte=today, due_on__lte=today + dt.timedelta(int(value)))

    def filter_needs(self, queryset, name, value):
        if value == "reporte":
            return queryset.filter(selectors.needs_report())
        if value == "verificacion":
            return queryset.filter(selectors.awaiting_verification())
        return queryset.filter(verification_status=VerificationStatus.DISPUTED)

    def sort(self, queryset, name, value):
        severity = Case(
            *(When(signal=light, then=Value(-rank)) for light, rank in rules.SEVERITY.items()),
            output_field=IntegerField(),
        )
        needs = Case(When(selectors.needs_report(), then=Value(0)), default=Value(1))
        orderings = {
            "urgencia": [needs, severity, F("due_on").asc(nulls_last=True), "pk"],
            "vencimiento": [F("due_on").asc(nulls_last=True), "pk"],
            "-vencimiento": [F("due_on").desc(nulls_last=True), "pk"],
            "actividad": [F("last_activity_at").asc(nulls_first=True), "pk"],
            "compromiso": ["commitment__ogp_id", "number"],
        }
        return queryset.order_by(*orderings.get(value, orderings["urgencia"]))


def worklist(user, data, *, now):
    """The filter (bound to `data`, the request's GET), its base queryset and the counts of what
    needs the person, over everything they may act on."""
    base = selectors.with_latest_verification(
        permissions.workable_milestones(user).filter(commitment__action_plan__state__is_active=True)
    ).select_related("commitment__action_plan__state", "commitment__lead_institution")
    plan_ids = base.values("commitment__action_plan_id")
    plans = ActionPlan.objects.filter(pk__in=plan_ids).select_related("state")
    commitments = base.values("commitment_id")
    institutions = Organisation.objects.filter(
        Q(led_commitments__in=commitments)
        | Q(co_led_commitments__in=commitments)
        | Q(supported_commitments__in=commitments)
    ).distinct()
    counts = base.aggregate(
        total=Count("pk"),
        needs_report=Count("pk", filter=selectors.needs_report()),
        awaiting_verification=Count("pk", filter=selectors.awaiting_verification()),
        disputed=Count("pk", filter=Q(verification_status=VerificationStatus.DISPUTED)),
        red=Count("pk", filter=Q(signal=Light.RED)),
    )
    found = WorklistFilter(
        data, queryset=base, now=now, plans=list(plans), institutions=list(institutions)
    )
    return found, counts
