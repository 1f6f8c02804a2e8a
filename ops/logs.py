"""Structured logs: one JSON object per line, each tied to the request that caused it.

A request id is taken from the proxy's `X-Request-ID` (when it looks like one) or made here,
returned in the response, attached to every line logged while the request runs, and carried
in the headers of the Celery tasks the request queues, so a task's lines name the request
that queued it.

No line may hold a secret: URL tokens (invitations, password resets, follow confirmations,
unsubscribe links) are replaced in paths, and anything shaped like `password=...`, a
session or CSRF cookie, or an `Authorization` header is blanked whatever logged it.
"""

import contextvars
import logging
import re
import time
import uuid

from django.core.signals import request_finished
from django.dispatch import receiver
from django.urls import Resolver404, resolve
from django.utils import translation
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
REDACTED = "[redacted]"

request_id_var = contextvars.ContextVar("request_id", default=None)
task_var = contextvars.ContextVar("task", default=None)

# A proxy's id is kept only if it is short and plain (it goes into every line we write).
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# Names of URL parameters that are secrets by themselves.
SECRET_URL_KWARGS = frozenset({"token", "uidb64"})
# A path segment this long is a token even where no URL pattern says so (a mistyped link).
_LONG_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_\-=:.]{32,}(?=/|$|\?)")
_SECRET_PAIRS = re.compile(
    r"(?i)\b(password\d?|passwd|secret|token|api[_-]?key|sessionid|csrftoken"
    r"|csrfmiddlewaretoken|authorization)(\\?[\"']?\s*[:=]\s*\\?[\"']?)"
    r"(?:(?:Token|Bearer|Basic)\s+)?[^\s&,;\"'\\]+"
)
_AUTH_SCHEMES = re.compile(r"\b(Token|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}")


def current_request_id():
    return request_id_var.get()


def task_headers():
    """What a task queued now must carry into the worker (see ops.celery_signals)."""
    request_id = request_id_var.get()
    return {"request_id": request_id} if request_id else {}


def scrub(text):
    """The text with anything that looks like a credential blanked."""
    text = _SECRET_PAIRS.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _AUTH_SCHEMES.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def redact_path(path):
    """The path with the values of secret URL parameters (and token-long segments) blanked."""
    try:
        # Language-prefixed URLs resolve only with their language active.
        with translation.override(translation.get_language_from_path(path)):
            match = resolve(path)
    except Resolver404:
        match = None
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_URL_KWARGS and value:
                path = path.replace(f"/{value}/", f"/{REDACTED}/")
    return _LONG_SEGMENT.sub(REDACTED, path)


class ContextFilter(logging.Filter):
    """Adds the request id and, in a worker, the running task to every record."""

    def filter(self, record):
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        task = task_var.get()
        if task is not None and getattr(record, "task_id", None) is None:
            record.task_id, record.task_name = task
        # Django's request loggers attach the request object and name its raw path.
        if getattr(record, "request", None) is not None and record.args:
            record.args = tuple(
                redact_path(arg) if isinstance(arg, str) and arg.startswith("/") else arg
                for arg in record.args
            )
        return True


class JsonLogFormatter(JsonFormatter):
    """python-json-logger's formatter, minus objects that would print a raw request."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "reserved_attrs",
            [*RESERVED_ATTRS, "request", "server_time", "color_message", "taskName"],
        )
        kwargs.setdefault("fmt", ["levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", True)
        super().__init__(*args, **kwargs)

    def format(self, record):
        return scrub(super().format(record))


class PlainLogFormatter(logging.Formatter):
    """The development format, scrubbed the same way."""

    def format(self, record):
        if getattr(record, "request_id", None) is None:
            record.request_id = "-"
        return scrub(super().format(record))


request_logger = logging.getLogger("ogptracker.request")


class RequestIdMiddleware:
    """Gives each request an id, logs one line when it ends, and returns the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Kept until the response is closed (request_finished): Django logs 4xx and 5xx
        # responses after the middleware has returned.
        request_id_var.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        path = redact_path(request.path)
        request_logger.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round(1000 * (time.perf_counter() - started), 1),
                "user_id": getattr(getattr(request, "user", None), "pk", None),
            },
        )
        return response


@receiver(request_finished)
def _forget_request_id(**kwargs):
    request_id_var.set(None)
