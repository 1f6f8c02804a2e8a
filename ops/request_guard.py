"""Input from outside that no view should ever see, refused or dropped before any code reads it.

- A `Host` header outside ALLOWED_HOSTS: Django raises DisallowedHost wherever the host is
  first read (the https redirect, the page cache, an absolute link...), logs it at ERROR
  with a traceback, and then fails again while rendering the error page. Here it is read
  first: the answer is a plain 400, and the log gets one WARNING line.
- A NUL character in a URL parameter (`/compromisos/MX%00/`): no slug, identifier or token
  holds one, and PostgreSQL refuses to compare text with it (a 500). The page is a 404.
- A cookie holding a NUL character (`sessionid="...\\000..."`, which Django's cookie parser
  decodes): the session backend would query with it (a 500). The cookie is ignored.
"""

import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger("ogptracker.security")


def _language(request):
    if request.path_info.startswith("/api/"):
        return translation.get_language_from_request(request, check_path=False)
    return translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE


class RequestGuardMiddleware:
    """First in MIDDLEWARE but for the request id (so the refusal is logged with one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.get_host()
        except DisallowedHost:
            return self._bad_host(request)
        for name, value in list(request.COOKIES.items()):
            if "\x00" in value:
                del request.COOKIES[name]
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        # After URL resolution and the language middleware: the 404 speaks the page's language.
        values = [*args, *kwargs.values()]
        if any(isinstance(value, str) and "\x00" in value for value in values):
            raise Http404

    def _bad_host(self, request):
        host = request.META.get("HTTP_HOST", "")
        logger.warning("Refused a request for a host not in ALLOWED_HOSTS: %r", host[:200])
        with translation.override(_language(request)):
            message = _("Bad request: this server does not answer for the host you asked for.")
        if request.path_info.startswith("/api/"):
            return JsonResponse({"code": "bad_host", "message": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
