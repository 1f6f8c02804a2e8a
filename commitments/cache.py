"""Cache of public pages, invalidated the moment anything they show changes.

Every cached page is stored under the current "public version", a number in the cache. Any
write to a model the public pages show bumps it once the transaction commits, so the next
request renders afresh. Writes that bypass model signals (queryset updates, the stale job)
call bump_public_version() themselves.
"""

import hashlib
import logging
from functools import wraps

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import translation

logger = logging.getLogger(__name__)
VERSION_KEY = "public:version"
PAGE_TTL = 24 * 3600


def public_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def _bump():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 2, timeout=None)


def bump_public_version(**kwargs):
    """Invalidates every cached public page now and again once the transaction commits.

    The second bump drops anything a concurrent request cached from the data as it was
    before the commit.
    """
    _bump()
    transaction.on_commit(_bump)


def cached_public_page(view):
    """Serves a GET from anonymous visitors from the cache when nothing changed since."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"page:{public_version()}:{translation.get_language()}:{path}"
        hit = cache.get(key)
        if hit is not None:
            content, content_type, status = hit
            return HttpResponse(content, content_type=content_type, status=status)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if response.status_code == 200 and not response.cookies:
            cache.set(key, (response.content, response["Content-Type"], 200), PAGE_TTL)
        return response

    return wrapper
