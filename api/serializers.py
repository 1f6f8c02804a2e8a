"""Read-only representations of what the public pages show. Codes (statuses, lights, kinds)
are stable English identifiers; the data dictionary at /datos/ explains them."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commitments.models import (
    OGP_VALUE_FIELDS,
    ActionPlan,
    Commitment,
    Evidence,
    Milestone,
    StatusUpdate,
    Transition,
)
from states.models import Organisation, State


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "acronym", "kind", "website"]


class StateSerializer(serializers.ModelSerializer):
    transparency_body = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = State
        fields = ["slug", "name", "inegi_code", "stale_after_days", "transparency_body", "url"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_transparency_body(self, state):
        body = state.transparency_body
        return body.name if body else None

    def get_url(self, state) -> str:
        return self.context["request"].build_absolute_uri(state.get_absolute_url())


class ActionPlanSerializer(serializers.ModelSerializer):
    state = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ActionPlan
        fields = ["id", "state", "number", "title", "starts_on", "ends_on", "status", "source_url"]


class OgpValuesSerializer(serializers.Serializer):
    def get_fields(self):
        return {name: serializers.BooleanField() for name in OGP_VALUE_FIELDS}


class IrmSerializer(serializers.Serializer):
    potential_impact = serializers.CharField(source="irm_potential_impact")
    potential_for_results = serializers.CharField(source="irm_potential_for_results")
    completion = serializers.CharField(source="irm_completion")
    did_it_open_government = serializers.CharField(source="irm_did_it_open_government")


class CommitmentSerializer(serializers.ModelSerializer):
    state = serializers.CharField(source="action_plan.state.slug", read_only=True)
    action_plan = serializers.PrimaryKeyRelatedField(read_only=True)
    lead_institution = OrganisationSerializer(read_only=True)
    supporting_institutions = OrganisationSerializer(many=True, read_only=True)
    ogp_values = OgpValuesSerializer(source="*", read_only=True)
    irm = IrmSerializer(source="*", read_only=True)
    milestone_count = serializers.IntegerField(read_only=True)
    completed_count = serializers.IntegerField(read_only=True)
    red_count = serializers.IntegerField(read_only=True)
    average_progress = serializers.FloatField(read_only=True, allow_null=True)
    # The commitment's light as commitments_with_counts annotates it.
    signal = serializers.CharField(source="light", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Commitment
        fields = [
            "ogp_id",
            "state",
            "action_plan",
            "number",
            "title",
            "short_title",
            "lead_institution",
            "supporting_institutions",
            "problem",
            "status_quo",
            "objective",
            "description",
            "theme",
            "ogp_values",
            "starts_on",
            "ends_on",
            "irm",
            "is_illustrative",
            "milestone_count",
            "completed_count",
            "red_count",
            "average_progress",
            "signal",
            "url",
        ]

    def get_url(self, commitment) -> str:
        return self.context["request"].build_absolute_uri(commitment.get_absolute_url())


class TransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transition
        fields = ["old_signal", "new_signal", "happened_at", "cause"]


class MilestoneSerializer(serializers.ModelSerializer):
    commitment = serializers.CharField(source="commitment.ogp_id", read_only=True)
    transitions = TransitionSerializer(many=True, read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "commitment",
            "number",
            "title",
            "deliverable",
            "starts_on",
            "due_on",
            "original_due_on",
            "status",
            "progress",
            "completed_on",
            "last_activity_at",
            "signal",
            "signal_since",
            "transitions",
        ]


class EvidenceSerializer(serializers.ModelSerializer):
    commitment = serializers.CharField(source="milestone.commitment.ogp_id", read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "milestone",
            "commitment",
            "kind",
            "title",
            "description",
            "url",
            "download_url",
            "original_filename",
            "sha256",
            "organisation",
            "submitted_at",
            "retracted_at",
            "retraction_reason",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, evidence):
        if not evidence.file:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("public:evidence-file", kwargs={"pk": evidence.pk})
        )


class StatusUpdateSerializer(serializers.ModelSerializer):
    commitment = serializers.CharField(source="milestone.commitment.ogp_id", read_only=True)
    organisation = serializers.CharField(
        source="organisation.name", read_only=True, allow_null=True
    )

    class Meta:
        model = StatusUpdate
        fields = [
            "id",
            "milestone",
            "commitment",
            "old_status",
            "new_status",
            "old_progress",
            "new_progress",
            "old_due_on",
            "new_due_on",
            "note",
            "organisation",
            "created_at",
        ]
