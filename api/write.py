"""Write API for integrations: the same forms, permissions, services and upload checks as the
contributor panel, so a request gets the same answer through either door.

    POST /api/v1/milestones/{id}/status/        {version, status, progress, note, ...}
    POST /api/v1/milestones/{id}/evidence/link/ {title, url}                 (JSON)
    POST /api/v1/milestones/{id}/evidence/file/ {title, file}                (multipart)
    POST /api/v1/milestones/{id}/verification/  {version, result, reason}
    POST /api/v1/milestones/bulk/status/        {items: [{id, version, status, ...}, ...]}
    POST /api/v1/milestones/bulk/verification/  {items: [{id, version, result, reason}, ...]}

Each write takes one media type, so the OpenAPI schema gives each one request body that a
generated client can send. `/evidence/` (a link as JSON or a file as multipart, in one URL)
predates the split and still works, but is left out of the schema: a request body under two
media types is what generated clients cannot call.

The right of reply's three endpoints are in api/disputes.py, on the same helpers.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    parser_classes,
    permission_classes,
)
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from commitments import permissions, services, uploads
from commitments.models import Milestone
from panel import bulk
from panel.forms import EvidenceForm, StatusForm, VerificationForm

from . import serializers as read_serializers
from .authentication import ApiTokenAuthentication
from .errors import Conflict
from .parsers import StrictJSONParser


def _milestone(pk):
    return get_object_or_404(
        Milestone.objects.select_related("commitment__action_plan__state"),
        pk=pk,
        commitment__action_plan__state__is_active=True,
    )


def _membership(request, permission, milestone):
    membership = permissions.membership_for(request.user, permission, milestone)
    if membership is None:
        raise PermissionDenied
    return membership


def _validated(form_class, request, *files, require=()):
    """The bound, valid form, or a 400 with the form's own messages, field by field.
    `require` names optional fields of the form that this request must fill."""
    if not hasattr(request.data, "get"):
        raise ValidationError(_("Send a JSON object (or a form), not a list or a value."))
    form = form_class(request.data, *files)
    for name in require:
        form.fields[name].required = True
    if not form.is_valid():
        errors = form.errors.get_json_data()
        raise ValidationError(
            {field: [e["message"] for e in messages] for field, messages in errors.items()}
        )
    return form


def _stale_entries(newer):
    return [
        {
            "version": entry.milestone_version,
            "summary": entry.summary,
            "organisation": entry.organisation.name if entry.organisation else None,
            "at": entry.created_at.isoformat(),
        }
        for entry in newer
    ]


def _stale(stale):
    error = Conflict(_("The milestone changed since the version you sent; nothing was saved."))
    error.extra = {"current_version": stale.milestone.version, "newer": _stale_entries(stale.newer)}
    return error


def _milestone_response(request, milestone, code=status.HTTP_200_OK):
    milestone.refresh_from_db()
    data = read_serializers.MilestoneSerializer(milestone, context={"request": request}).data
    return Response({**data, "version": milestone.version}, status=code)


JSON = [StrictJSONParser]
MULTIPART = [MultiPartParser]


def _endpoint(view, parsers=JSON):
    """A write endpoint: a token, and the one media type its request body is sent in (any
    other is a 415), which is also the one the schema declares."""
    view = permission_classes([IsAuthenticated])(view)
    view = parser_classes(parsers)(view)
    return authentication_classes([ApiTokenAuthentication])(view)


def _any_body(view):
    return _endpoint(view, parsers=[*JSON, *MULTIPART])


def _multipart(view):
    return _endpoint(view, parsers=MULTIPART)


@extend_schema_field({"type": "string", "format": "binary"})
class _BinaryField(serializers.FileField):
    """A file in a multipart body: `format: binary`, so a generated client sends bytes."""


def _status_fields():
    """A status report's body, for the single endpoint and each item of the bulk one."""
    return {
        "version": serializers.IntegerField(),
        "status": serializers.ChoiceField(Milestone.Status.choices),
        "progress": serializers.IntegerField(min_value=0, max_value=100),
        "started_on": serializers.DateField(required=False),
        "completed_on": serializers.DateField(required=False),
        "note": serializers.CharField(),
    }


def _verification_fields():
    return {
        "version": serializers.IntegerField(),
        "result": serializers.ChoiceField(["verified", "disputed"]),
        "reason": serializers.CharField(required=False),
    }


@extend_schema(
    request=inline_serializer("StatusReport", _status_fields()),
    responses={200: read_serializers.MilestoneSerializer},
)
@api_view(["POST"])
@_endpoint
def report_status(request, pk):
    """An official reports the status, progress and actual dates of a milestone."""
    milestone = _milestone(pk)
    membership = _membership(request, "milestone.status:write", milestone)
    form = _validated(StatusForm, request)
    try:
        services.report_status(
            milestone=milestone,
            membership=membership,
            now=timezone.now(),
            **form.service_arguments(),
        )
    except services.StaleVersion as stale:
        raise _stale(stale) from None
    return _milestone_response(request, milestone)


_TITLE = serializers.CharField(max_length=300)
_DESCRIPTION = serializers.CharField(required=False, max_length=4000)


@extend_schema(
    request=inline_serializer(
        "LinkEvidence",
        {"title": _TITLE, "description": _DESCRIPTION, "url": serializers.URLField()},
    ),
    responses={201: read_serializers.EvidenceSerializer},
)
@api_view(["POST"])
@_endpoint
def add_link_evidence(request, pk):
    """Adds a link to evidence published on the web (http or https) to a milestone."""
    return _add_evidence(request, pk, require="url")


@extend_schema(
    request={
        "multipart/form-data": inline_serializer(
            "FileEvidence",
            {"title": _TITLE, "description": _DESCRIPTION, "file": _BinaryField()},
        )
    },
    responses={201: read_serializers.EvidenceSerializer},
)
@api_view(["POST"])
@_multipart
def add_file_evidence(request, pk):
    """Adds a file to a milestone (PDF, image, office document...), checked by its content."""
    return _add_evidence(request, pk, require="file")


@extend_schema(exclude=True)
@api_view(["POST"])
@_any_body
def add_evidence(request, pk):
    """A link (JSON) or a file (multipart) in one URL: see evidence/link/ and evidence/file/."""
    return _add_evidence(request, pk)


def _add_evidence(request, pk, require=None):
    # The size limit must see the upload before anything parses the body.
    request._request.upload_handlers.insert(
        0, uploads.SizeLimitUploadHandler(request._request, settings.EVIDENCE_MAX_BYTES)
    )
    milestone = _milestone(pk)
    membership = _membership(request, "evidence:add", milestone)
    if _oversized(request):
        raise services.oversize_error()
    require = (require,) if require else ()
    data = _validated(EvidenceForm, request, request.FILES, require=require).cleaned_data
    common = {
        "milestone": milestone,
        "membership": membership,
        "title": data["title"],
        "description": data["description"],
        "now": timezone.now(),
    }
    if data["file"]:
        evidence = services.add_file_evidence(upload=data["file"], **common)
    else:
        evidence = services.add_link_evidence(url=data["url"].strip(), **common)
    body = read_serializers.EvidenceSerializer(evidence, context={"request": request}).data
    return Response(body, status=status.HTTP_201_CREATED)


def _oversized(request):
    request.data  # noqa: B018 (parses the body, running the size-limit handler)
    return getattr(request._request, "oversized_upload", False)


@extend_schema(
    request=inline_serializer("Verification", _verification_fields()),
    responses={200: read_serializers.MilestoneSerializer},
)
@api_view(["POST"])
@_endpoint
def record_verification(request, pk):
    """A civil-society member verifies or disputes the status the government reported."""
    milestone = _milestone(pk)
    membership = _membership(request, "milestone.verification:write", milestone)
    form = _validated(VerificationForm, request)
    try:
        services.record_verification(
            milestone=milestone,
            membership=membership,
            now=timezone.now(),
            **form.service_arguments(),
        )
    except services.StaleVersion as stale:
        raise _stale(stale) from None
    return _milestone_response(request, milestone)


# --- Bulk: many milestones in one request ---------------------------------------------------

_CURRENT_VERSION = "The milestone's version now: read what changed, then resend with it."
_BULK_RESPONSE = inline_serializer(
    "BulkResult",
    {
        "applied": serializers.IntegerField(help_text="Items written (a check included)."),
        "failed": serializers.IntegerField(help_text="Items not written."),
        "results": inline_serializer(
            "BulkItemResult",
            {
                "id": serializers.JSONField(help_text="The item's milestone id, as sent."),
                "outcome": serializers.ChoiceField(
                    list(bulk.ITEM_STATUS),
                    help_text=(
                        "applied: written; checked: a report that changed nothing, recorded as "
                        "a check; conflict: based on an older version; invalid: refused by the "
                        "rules (see errors); forbidden: not yours to write; not_found: no such "
                        "milestone."
                    ),
                ),
                "status": serializers.IntegerField(
                    help_text="The HTTP status this item alone would have had."
                ),
                "version": serializers.IntegerField(
                    required=False, help_text="The milestone's version after the write."
                ),
                "errors": serializers.DictField(
                    required=False, help_text="Messages by field, for an item not written."
                ),
                "current_version": serializers.IntegerField(
                    required=False, help_text=_CURRENT_VERSION
                ),
                "newer": serializers.ListField(
                    required=False, help_text="What changed since the version sent, oldest first."
                ),
            },
            many=True,
        ),
    },
)

# The number is bulk.MAX_ROWS (a test holds them equal); literal, for the Spanish schema.
_BULK_DOC = (
    "Up to 200 items in one request, each written on its own, as its single endpoint would: "
    "in its own transaction, with its own version, so one item's conflict or error leaves the "
    "others written. 200 when every item was written; 207 (Multi-Status) when at least one was "
    "not, each item's `outcome` and `status` saying which and why; 400 only when the request "
    "itself is malformed, and then nothing is written."
)


def _bulk_items(request):
    """The request's items, or a 400 naming what is wrong (nothing is written then)."""
    body = request.data
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise ValidationError({"items": [_("Send an object with a non-empty list `items`.")]})
    if len(items) > bulk.MAX_ROWS:
        message = _("At most %(max)d items in one request.") % {"max": bulk.MAX_ROWS}
        raise ValidationError({"items": [message]})
    if not all(isinstance(item, dict) and "id" in item for item in items):
        raise ValidationError({"items": [_("Each item is an object with the milestone's `id`.")]})
    return [(item["id"], {k: v for k, v in item.items() if k != "id"}) for item in items]


def _bulk_response(results):
    def item(result):
        answer = {
            "id": result.milestone_id,
            "outcome": result.outcome,
            "status": result.http_status,
        }
        if result.ok:
            answer["version"] = result.milestone.version
        else:
            answer["errors"] = result.errors
        if result.outcome == bulk.CONFLICT:
            answer["current_version"] = result.current_version
            answer["newer"] = _stale_entries(result.newer)
        return answer

    failed = sum(1 for r in results if not r.ok)
    return Response(
        {"applied": len(results) - failed, "failed": failed, "results": [item(r) for r in results]},
        status=status.HTTP_207_MULTI_STATUS if failed else status.HTTP_200_OK,
    )


def _bulk(request, kind):
    results = bulk.apply_rows(request.user, kind, _bulk_items(request), now=timezone.now())
    return _bulk_response(results)


@extend_schema(
    description=_BULK_DOC,
    request=inline_serializer(
        "BulkStatusReports",
        {
            "items": inline_serializer(
                "BulkStatusReport",
                {"id": serializers.IntegerField(), **_status_fields()},
                many=True,
            )
        },
    ),
    responses={200: _BULK_RESPONSE, 207: _BULK_RESPONSE},
)
@api_view(["POST"])
@_endpoint
def bulk_report_status(request):
    """Officials report the status of many milestones in one request."""
    return _bulk(request, bulk.STATUS)


@extend_schema(
    description=_BULK_DOC,
    request=inline_serializer(
        "BulkVerifications",
        {
            "items": inline_serializer(
                "BulkVerification",
                {"id": serializers.IntegerField(), **_verification_fields()},
                many=True,
            )
        },
    ),
    responses={200: _BULK_RESPONSE, 207: _BULK_RESPONSE},
)
@api_view(["POST"])
@_endpoint
def bulk_record_verification(request):
    """Civil society verifies or disputes the reported status of many milestones at once."""
    return _bulk(request, bulk.VERIFICATION)
