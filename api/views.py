"""Public read API under /api/v1/. Every list is paginated, filterable and costs the same
number of queries for a page of 100 as for a page of 10."""

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.pagination import PageNumberPagination

from commitments import selectors
from commitments.models import (
    ActionPlan,
    Dispute,
    DisputeMessage,
    Evidence,
    Milestone,
    Reschedule,
    StatusUpdate,
    Transition,
)
from states.models import State, TransparencyBodyTerm
from transparency import rules as request_rules
from transparency.models import InformationRequest

from . import filters, serializers


class Pagination(PageNumberPagination):
    """`page` from 1 and `page_size` up to 100 (50 by default); each answer gives `count` and
    the `next` and `previous` pages' full URLs (null at either end)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = "Page number, from 1 (a page past the last is a 404)."
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = (
                    f"Results per page: {self.page_size} by default, at most "
                    f"{self.max_page_size} (more is read as {self.max_page_size})."
                )
        return parameters


class StateViewSet(viewsets.ReadOnlyModelViewSet):
    """Active states, with their current transparency body."""

    serializer_class = serializers.StateSerializer
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    pagination_class = Pagination

    def get_queryset(self):
        terms = TransparencyBodyTerm.objects.select_related("organisation")
        return (
            State.objects.active()
            .prefetch_related(Prefetch("transparency_terms", queryset=terms))
            .order_by("name")
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "state__slug", str, deprecated=True, description="The same as `state`."
            )
        ]
    )
)
class ActionPlanViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ActionPlanSerializer
    pagination_class = Pagination
    filterset_class = filters.ActionPlanFilter
    ordering_fields = ["starts_on", "number"]

    def get_queryset(self):
        return (
            ActionPlan.objects.filter(state__is_active=True)
            .select_related("state")
            .order_by("state__name", "number")
        )


class CommitmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Commitments with their milestone counts and light; the public pages' filters and
    accent-insensitive search (`search`)."""

    serializer_class = serializers.CommitmentSerializer
    pagination_class = Pagination
    lookup_field = "ogp_id"
    lookup_value_regex = "[^/]+"
    filterset_class = filters.CommitmentFilter
    ordering_fields = ["ogp_id", "title", "starts_on", "ends_on", "average_progress"]

    def get_queryset(self):
        return (
            selectors.commitments_with_counts(today=timezone.localdate())
            .filter(action_plan__state__is_active=True)
            .select_related("action_plan__state", "lead_institution", "municipality")
            .prefetch_related("supporting_institutions", "co_lead_institutions")
            .order_by("action_plan__state__name", "action_plan__number", "number")
        )


class MilestoneViewSet(viewsets.ReadOnlyModelViewSet):
    """Milestones with their traffic light and its reason, every change of it, their
    lateness, the moves of their due date and their disputes with the government's answers.
    Organisations are named, never people."""

    serializer_class = serializers.MilestoneSerializer
    pagination_class = Pagination
    filterset_class = filters.MilestoneFilter
    ordering_fields = ["due_on", "signal_since", "progress", "last_activity_at"]

    def get_queryset(self):
        transitions = Transition.objects.order_by("happened_at", "pk")
        reschedules = Reschedule.objects.select_related("organisation").order_by("created_at", "pk")
        messages = DisputeMessage.objects.select_related("organisation").order_by(
            "created_at", "pk"
        )
        disputes = (
            Dispute.objects.select_related("organisation")
            .prefetch_related(Prefetch("messages", queryset=messages))
            .order_by("opened_at", "pk")
        )
        return (
            Milestone.objects.filter(commitment__action_plan__state__is_active=True)
            .select_related("commitment")
            .prefetch_related(
                Prefetch("transitions", queryset=transitions),
                Prefetch("reschedules", queryset=reschedules),
                Prefetch("disputes", queryset=disputes),
                Prefetch(
                    "information_requests",
                    queryset=InformationRequest.objects.filter(filed_on__isnull=False).order_by(
                        *request_rules.ORDER
                    ),
                    to_attr="filed_information_requests",
                ),
            )
            .order_by("commitment__ogp_id", "number")
        )

    def get_serializer_context(self):
        # One day for the whole answer: lateness is counted in whole days of the site's zone.
        return {**super().get_serializer_context(), "today": timezone.localdate()}


class EvidenceViewSet(viewsets.ReadOnlyModelViewSet):
    """Evidence metadata; files are downloaded from `download_url` (check the SHA-256)."""

    serializer_class = serializers.EvidenceSerializer
    pagination_class = Pagination
    filterset_class = filters.EvidenceFilter
    ordering_fields = ["submitted_at"]

    def get_queryset(self):
        return (
            Evidence.objects.filter(milestone__commitment__action_plan__state__is_active=True)
            .select_related("milestone__commitment", "organisation", "archive")
            .order_by("submitted_at", "pk")
        )


class StatusUpdateViewSet(viewsets.ReadOnlyModelViewSet):
    """The append-only history of reported statuses, progress and due dates."""

    serializer_class = serializers.StatusUpdateSerializer
    pagination_class = Pagination
    filterset_class = filters.StatusUpdateFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return (
            StatusUpdate.objects.filter(milestone__commitment__action_plan__state__is_active=True)
            .select_related("milestone__commitment", "organisation")
            .order_by("created_at", "pk")
        )
