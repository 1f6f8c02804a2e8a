"""Refusing cross-site POSTs to forms that cannot carry a CSRF token.

A form on a cached public page is the same HTML for every visitor, so it cannot hold a
per-visitor token. Browsers say where a request comes from instead: every current browser
sends `Sec-Fetch-Site` (on https and on localhost) or at least `Origin` with a POST, and a page
cannot remove or forge either. This is the check of Go's net/http CrossOriginProtection and
Filippo Valsorda's "CSRF" (2025): refuse a `Sec-Fetch-Site` other than `same-origin` or
`none`; without it, refuse an `Origin` that is not this host (nor in CSRF_TRUSTED_ORIGINS);
with neither header the request does not come from a browser, and no browser can be tricked
into sending it, so it passes (budgets, not CSRF, limit what a script may ask for).
"""

import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

ALLOWED_FETCH_SITES = {"same-origin", "none"}


def cross_site_reason(request):
    """Why the request comes from another site, or None when it does not."""
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        if fetch_site.lower() in ALLOWED_FETCH_SITES:
            return None
        return f"Sec-Fetch-Site is {fetch_site!r}"
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return None
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return None
    if origin != "null" and urlsplit(origin).netloc == request.get_host():
        return None
    return f"Origin {origin!r} is not this site"


def refuse_cross_site(view):
    """The view answers only requests from this site's own pages (or from no browser); any
    other POST gets the site's CSRF failure page (403, CSRF_FAILURE_VIEW), in the visitor's
    language."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            reason = cross_site_reason(request)
            if reason is not None:
                return import_string(settings.CSRF_FAILURE_VIEW)(request, reason=reason)
        return view(request, *args, **kwargs)

    return wrapper
