"""Write API of the right of reply, beside api/write.py and with its rules: the panel's forms,
the permissions module ("dispute:answer", "dispute:close"), the same services, and the same
JSON errors, version check (409) and token authentication.

    POST /api/v1/milestones/{id}/dispute/answer/    {version, text}
    POST /api/v1/milestones/{id}/dispute/withdraw/  {version, text (optional)}
    POST /api/v1/milestones/{id}/dispute/maintain/  {version, text}

Each acts on the milestone's dispute in progress (or, to say why it cannot, its latest); a
milestone never disputed is a 404. The answer is the dispute and its thread, organisations
only, as the public page shows it.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from commitments import permissions, selectors, services
from commitments.models import Dispute
from panel.forms import DisputeAnswerForm, DisputeCloseForm

from .serializers import DisputeMessageSerializer
from .write import _endpoint, _milestone, _stale, _validated


class DisputeSerializer(serializers.ModelSerializer):
    """A dispute and its thread; a person's name never appears, only organisations."""

    milestone = serializers.IntegerField(source="milestone_id")
    milestone_version = serializers.IntegerField(
        source="milestone.version",
        help_text="The milestone's version now: send it with the next write.",
    )
    organisation = serializers.CharField(source="organisation.name")
    state = serializers.ChoiceField(Dispute.State.choices)
    messages = DisputeMessageSerializer(many=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "milestone",
            "milestone_version",
            "organisation",
            "state",
            "opened_at",
            "answered_at",
            "closed_at",
            "messages",
        ]


def _dispute(request, permission, pk):
    """The milestone, the dispute to act on and the membership to act through, or 404/403."""
    milestone = _milestone(pk)
    dispute = selectors.dispute_to_act_on(milestone)
    if dispute is None:
        raise Http404
    membership = permissions.membership_for(request.user, permission, milestone, dispute=dispute)
    if membership is None:
        raise PermissionDenied
    return milestone, dispute, membership


def _step(request, form, service, dispute, **extra):
    try:
        service(dispute=dispute, now=timezone.now(), **form.service_arguments(), **extra)
    except services.StaleVersion as stale:
        raise _stale(stale) from None
    except ValidationError as error:
        # The state's refusal ("cannot take that step now") names no field of this request.
        if hasattr(error, "error_dict") and "outcome" in error.error_dict:
            raise ValidationError({"non_field_errors": error.error_dict["outcome"]}) from None
        raise
    dispute = (
        Dispute.objects.select_related("organisation", "milestone")
        .prefetch_related("messages__organisation")
        .get(pk=dispute.pk)
    )
    return Response(DisputeSerializer(dispute).data)


_VERSION = serializers.IntegerField(help_text="The milestone version you saw.")
_DOC = (
    " Acts on the milestone's dispute in progress; 404 if it was never disputed, 400 if its "
    "dispute cannot take this step now (its `state` says why), 409 if a newer status report "
    "has closed it."
)


@extend_schema(
    request=inline_serializer(
        "DisputeAnswer", {"version": _VERSION, "text": serializers.CharField(max_length=4000)}
    ),
    responses={200: DisputeSerializer},
    description="An official of the commitment's lead or supporting institution answers the "
    "dispute (open, or maintained after an earlier answer)." + _DOC,
)
@api_view(["POST"])
@_endpoint
def answer_dispute(request, pk):
    """The government answers a dispute of a milestone's reported status."""
    _, dispute, membership = _dispute(request, "dispute:answer", pk)
    form = _validated(DisputeAnswerForm, request)
    return _step(request, form, services.answer_dispute, dispute, membership=membership)


_CLOSE = {"version": _VERSION, "text": serializers.CharField(required=False, max_length=4000)}


@extend_schema(
    request=inline_serializer("DisputeWithdrawal", _CLOSE),
    responses={200: DisputeSerializer},
    description="The civil-society organisation that disputed withdraws its dispute (open or "
    "answered): the status is no longer marked disputed." + _DOC,
)
@api_view(["POST"])
@_endpoint
def withdraw_dispute(request, pk):
    """The disputing organisation withdraws its dispute."""
    _, dispute, membership = _dispute(request, "dispute:close", pk)
    form = _validated(DisputeCloseForm, request)
    return _step(
        request, form, services.close_dispute, dispute, membership=membership, outcome="withdrawn"
    )


@extend_schema(
    request=inline_serializer(
        "DisputeRejoinder", {"version": _VERSION, "text": serializers.CharField(max_length=4000)}
    ),
    responses={200: DisputeSerializer},
    description="The civil-society organisation that disputed maintains its dispute after the "
    "government's answer, with its rejoinder (`text`, required): the mark stays." + _DOC,
)
@api_view(["POST"])
@_endpoint
def maintain_dispute(request, pk):
    """The disputing organisation maintains its dispute, with a rejoinder."""
    _, dispute, membership = _dispute(request, "dispute:close", pk)
    form = _validated(DisputeCloseForm, request)
    return _step(
        request, form, services.close_dispute, dispute, membership=membership, outcome="maintained"
    )
