"""Every API error as JSON: a machine-readable `code`, a `message` in the language the client
asked for (Accept-Language), and `fields` with per-field messages where there are any."""

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "stale_version"


def _as_api_exception(exc):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    # Refused by Django while reading the body (DATA_UPLOAD_* settings), before any view code.
    if isinstance(exc, TooManyFilesSent):
        return exceptions.ParseError(_("Send one file per request."))
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent):
        return exceptions.ParseError(_("The request is too large."))
    return exc


def _messages(value):
    return [str(m) for m in value] if isinstance(value, list) else [str(value)]


def handle(exc, context):
    exc = _as_api_exception(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's 500 handling (and its logging) applies
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = {
            "code": "invalid",
            "message": _("Some fields are not valid."),
            "fields": {field: _messages(value) for field, value in detail.items()},
        }
    else:
        body = {"code": exc.get_codes(), "message": str(exc.detail)}
    body.update(getattr(exc, "extra", None) or {})
    return Response(body, status=response.status_code, headers=dict(response.items()))


def page_not_found(request, exception):
    """404 outside any view: JSON under /api/ (as every API error), the site's page elsewhere."""
    from django.http import JsonResponse
    from django.views import defaults

    if request.path_info.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
