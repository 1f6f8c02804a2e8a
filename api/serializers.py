"""Read-only representations of what the public pages show. Codes (statuses, lights, kinds)
are stable English identifiers; the data dictionary at /datos/ explains them."""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commitments import demo_marks, rules
from commitments.models import (
    OGP_VALUE_FIELDS,
    ActionPlan,
    Commitment,
    Dispute,
    DisputeMessage,
    Evidence,
    Milestone,
    Reschedule,
    StatusUpdate,
    Transition,
)
from states.models import Organisation, State
from transparency import rules as request_rules

DEMO_HELP = (
    "Demo data (loaded by the demo, or an invented example): shown on the site as "
    '"Ejemplo ilustrativo"; never publish it as real.'
)


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


class MemberSerializer(serializers.Serializer):
    """The OGP member a commitment belongs to: its state, or a municipality of it."""

    kind = serializers.ChoiceField(choices=["state", "municipality"])
    slug = serializers.CharField()
    name = serializers.CharField()
    inegi_code = serializers.CharField()
    ogp_prefix = serializers.CharField()


class CommitmentSerializer(serializers.ModelSerializer):
    state = serializers.CharField(source="action_plan.state.slug", read_only=True)
    action_plan = serializers.PrimaryKeyRelatedField(read_only=True)
    lead_institution = OrganisationSerializer(read_only=True)
    supporting_institutions = OrganisationSerializer(many=True, read_only=True)
    # Every lead, the first one (lead_institution) first.
    lead_institutions = OrganisationSerializer(many=True, read_only=True)
    member = MemberSerializer(read_only=True)
    ogp_values = OgpValuesSerializer(source="*", read_only=True)
    irm = IrmSerializer(source="*", read_only=True)
    milestone_count = serializers.IntegerField(read_only=True)
    completed_count = serializers.IntegerField(read_only=True)
    red_count = serializers.IntegerField(read_only=True)
    average_progress = serializers.FloatField(read_only=True, allow_null=True)
    # The commitment's light as commitments_with_counts annotates it.
    signal = serializers.CharField(source="light", read_only=True)
    url = serializers.SerializerMethodField()
    is_demo = serializers.SerializerMethodField(help_text=DEMO_HELP)

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
            "lead_institutions",
            "member",
            "source_url",
            "is_demo",
        ]

    def get_url(self, commitment) -> str:
        return self.context["request"].build_absolute_uri(commitment.get_absolute_url())

    def get_is_demo(self, commitment) -> bool:
        return demo_marks.is_demo(commitment)


class TransitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Transition
        fields = ["old_signal", "new_signal", "happened_at", "cause"]


class RescheduleSerializer(serializers.ModelSerializer):
    """One move of the due date. Organisations are named, people never."""

    organisation = serializers.CharField(
        source="organisation.name", read_only=True, allow_null=True,
        help_text="Organisation that moved it; null for a revision of the imported plan.",
    )  # fmt: skip
    days_moved = serializers.IntegerField(
        read_only=True, allow_null=True,
        help_text="Days this move added (negative: brought forward); null if either is undated.",
    )  # fmt: skip
    after_due = serializers.BooleanField(
        read_only=True,
        help_text="Moved after the date it moves had passed (reprogramado después de vencer).",
    )

    class Meta:
        model = Reschedule
        fields = [
            "old_due_on",
            "old_precision",
            "new_due_on",
            "new_precision",
            "days_moved",
            "after_due",
            "organisation",
            "created_at",
            "note",
        ]


class DisputeMessageSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(
        source="organisation.name", read_only=True, allow_null=True
    )
    kind = serializers.ChoiceField(DisputeMessage.Kind.choices, read_only=True)

    class Meta:
        model = DisputeMessage
        fields = ["kind", "text", "organisation", "created_at"]


class MilestoneDisputeSerializer(serializers.ModelSerializer):
    """A dispute of a reported status with the government's right of reply, as a milestone
    lists it (api.disputes.DisputeSerializer adds the milestone, for the write API's answers)."""

    organisation = serializers.CharField(
        source="organisation.name", read_only=True, help_text="Organisation that disputed."
    )
    messages = DisputeMessageSerializer(many=True, read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "state",
            "organisation",
            "opened_at",
            "answered_at",
            "closed_at",
            "messages",
        ]


class InformationRequestSerializer(serializers.Serializer):
    """An access-to-information request a civil-society organisation filed about the milestone,
    counted against the legal answer deadline in business days (Mexico's rest days excluded)."""

    folio = serializers.CharField(help_text="Folio the transparency platform gave the request.")
    filed_on = serializers.DateField(help_text="Date the request was filed.")
    answered_on = serializers.DateField(
        allow_null=True, help_text="Date of the answer; null while unanswered."
    )
    business_days_elapsed = serializers.IntegerField(
        min_value=0,
        help_text=(
            "Business days from the day after filing to today, or to the answer once answered."
        ),
    )
    deadline_business_days = serializers.IntegerField(
        min_value=1, help_text="The legal answer deadline, in business days (a setting)."
    )
    deadline_on = serializers.DateField(help_text="Last day of the legal answer deadline.")
    extended_on = serializers.DateField(
        allow_null=True,
        help_text=(
            "Date the institution notified an extension of the deadline; null if none recorded."
        ),
    )
    deadline_extended = serializers.BooleanField(
        help_text=(
            "True when the extension counts (notified within the ordinary deadline): "
            "deadline_business_days and deadline_on include it."
        )
    )
    withdrawn_on = serializers.DateField(
        allow_null=True,
        help_text=(
            "Date the organisation withdrew the request; the business days stop counting on it. "
            "Null if not withdrawn."
        ),
    )
    overdue = serializers.BooleanField(
        help_text=(
            "Unanswered past the deadline (up to its withdrawal, if withdrawn), or answered "
            "after it."
        )
    )


def information_requests(milestone, today):
    rows = []
    for r in request_rules.filed_requests_of(milestone):
        s = request_rules.standing(r, today=today)
        rows.append(
            {
                "folio": r.folio,
                "filed_on": r.filed_on,
                "answered_on": r.answered_on,
                "business_days_elapsed": s.elapsed,
                "deadline_business_days": s.deadline_days,
                "deadline_on": s.deadline_on,
                "extended_on": s.extended_on,
                "deadline_extended": s.extension_counts,
                "withdrawn_on": s.withdrawn_on,
                "overdue": s.overdue,
            }
        )
    return InformationRequestSerializer(rows, many=True).data


def lateness(milestone, today):
    """(days late, days late against the original date, days moved) of a milestone."""
    first_due_on = milestone.first_due_on
    common = {
        "status": milestone.status,
        "due_on": milestone.due_on,
        "completed_on": milestone.completed_on,
        "signal": milestone.signal,
        "today": today,
    }
    return (
        rules.days_late(**common),
        rules.days_late_original(first_due_on=first_due_on, **common),
        rules.days_moved(due_on=milestone.due_on, first_due_on=first_due_on),
    )


class MilestoneSerializer(serializers.ModelSerializer):
    commitment = serializers.CharField(source="commitment.ogp_id", read_only=True)
    transitions = TransitionSerializer(many=True, read_only=True)
    version = serializers.IntegerField(
        read_only=True,
        help_text="Raised by every status report; send it with each write (a stale one is a 409).",
    )
    days_late = serializers.SerializerMethodField(
        help_text=(
            "Days late against the due date in force: for a completed milestone, from that date "
            "to its completion; for an open one, days since it fell due while it is shown "
            "overdue (red). Null when not late or undated."
        )
    )
    days_late_original = serializers.SerializerMethodField(
        help_text=(
            "Days late against the due date as first published: a moved date does not erase "
            "it. Null when not late against it."
        )
    )
    reschedule_count = serializers.SerializerMethodField(
        help_text="How many times the due date was moved."
    )
    days_moved = serializers.SerializerMethodField(
        help_text=(
            "Days between the first published due date and the one in force (negative: "
            "earlier); null when either is missing."
        )
    )
    reschedules = RescheduleSerializer(many=True, read_only=True)
    disputes = MilestoneDisputeSerializer(many=True, read_only=True)
    information_requests = serializers.SerializerMethodField(
        help_text=(
            "Access-to-information requests civil society filed about the milestone, oldest "
            "first (drafts are never shown)."
        )
    )
    is_demo = serializers.SerializerMethodField(help_text=DEMO_HELP)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "commitment",
            "number",
            "title",
            "deliverable",
            "version",
            "starts_on",
            "due_on",
            "due_precision",
            "original_due_on",
            "status",
            "progress",
            "completed_on",
            "last_activity_at",
            "signal",
            "signal_since",
            "light_reason",
            "verification_status",
            "days_late",
            "days_late_original",
            "reschedule_count",
            "days_moved",
            "transitions",
            "reschedules",
            "disputes",
            "information_requests",
            "is_demo",
        ]
        extra_kwargs = {
            "due_on": {"help_text": "Due date in force; null when the plan gives none."},
            "due_precision": {
                "help_text": "day, or month: known only to the month (due_on is its last day)."
            },
            "light_reason": {
                "help_text": (
                    "Why the milestone has its light (rules on /como-medimos/). Red: overdue "
                    "(its due date passed, not completed) or stale (no activity by the "
                    "government for longer than the state's threshold). Yellow: undated (no "
                    "due date), due_soon (due within 30 days) or quiet (no activity by the "
                    "government for half the threshold). Green: completed_late (completed "
                    "after the due date in force: see days_late), completed, or on_track."
                )
            },
            "verification_status": {
                "help_text": (
                    "The civil society's verification of the reported status: unverified, "
                    "verified, or disputed while a dispute is open, answered or maintained "
                    "(see disputes). A new status report sets it back to unverified."
                )
            },
        }

    def _lateness(self, milestone):
        cached = getattr(milestone, "_api_lateness", None)
        if cached is None:
            # The list passes one day for the whole page; the write API's answer uses today.
            today = self.context.get("today") or timezone.localdate()
            cached = milestone._api_lateness = lateness(milestone, today)
        return cached

    @extend_schema_field(serializers.IntegerField(allow_null=True, min_value=1))
    def get_days_late(self, milestone):
        return self._lateness(milestone)[0]

    @extend_schema_field(serializers.IntegerField(allow_null=True, min_value=1))
    def get_days_late_original(self, milestone):
        return self._lateness(milestone)[1]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_days_moved(self, milestone):
        return self._lateness(milestone)[2]

    @extend_schema_field(InformationRequestSerializer(many=True))
    def get_information_requests(self, milestone):
        today = self.context.get("today") or timezone.localdate()
        return information_requests(milestone, today)

    def get_reschedule_count(self, milestone) -> int:
        return len(milestone.reschedules.all())

    def get_is_demo(self, milestone) -> bool:
        return demo_marks.is_demo(milestone.commitment)


class EvidenceSerializer(serializers.ModelSerializer):
    commitment = serializers.CharField(source="milestone.commitment.ogp_id", read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    download_url = serializers.SerializerMethodField()
    archived_at = serializers.SerializerMethodField(
        help_text="When the archived copy of a link was fetched; null without a copy."
    )
    archive_url = serializers.SerializerMethodField(
        help_text="The archived copy of a link, as it was fetched; null without a copy."
    )
    archive_sha256 = serializers.SerializerMethodField(
        help_text="SHA-256 of the archived copy of a link; null without a copy."
    )
    link_checked_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the link was last checked (fetched again); null if never.",
    )
    link_broken_since = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=(
            "Since when the link is broken: set after two failed checks in a row, at the "
            "first of them; null while it works."
        ),
    )

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
            "archived_at",
            "archive_url",
            "archive_sha256",
            "link_checked_at",
            "link_broken_since",
        ]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_archived_at(self, evidence):
        if evidence.archive is None:
            return None
        return serializers.DateTimeField().to_representation(evidence.archive.checked_at)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_archive_url(self, evidence):
        if evidence.archive_id is None:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("public:evidence-copy", kwargs={"pk": evidence.pk})
        )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_archive_sha256(self, evidence):
        return evidence.archive.sha256 if evidence.archive is not None else None

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
