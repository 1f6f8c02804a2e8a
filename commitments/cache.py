"""Cache of public pages, invalidated the moment anything they show changes.

Each cached page is stored with the "public version" current when it was rendered. Any
write to a model the public pages show bumps the version (model signals; writes that bypass
them, such as queryset updates and the stale job, call bump_public_version() themselves), so
the next request renders afresh. A hit costs one cache round trip (the version and the page
are read together) and runs before the session, auth and locale middleware: the language is
in the URL (Spanish at /, English at /en/), so the path alone names the page.

While Redis is down the cache degrades to no cache (ops.cache): every page is rendered, none
is stored, and a write's bump that could not reach Redis waits in the outbox until it can.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone

from ops import outbox
from ops.cache import cache_unavailable

VERSION_KEY = "public:version"
PAGE_TTL = 24 * 3600
# Headers the inner middleware added, replayed on a hit.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options")


def _first_version():
    # Never a small number: if the key is evicted, pages stored under an old version must not
    # match the new one.
    return time.time_ns()


class CacheUnavailable(Exception):
    pass


def bump_now():
    """Bumps the public version; False when the cache (Redis) could not be reached."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (first write, or the cache was flushed)
        cache.add(VERSION_KEY, _first_version(), timeout=None)
    return not cache_unavailable(cache)


def _bump_later():
    # Redis is away: the pages it holds may be served again when it returns (after a network
    # cut, or a restart from its snapshot), so the invalidation is kept in the outbox, with
    # this transaction, and made by a worker once Redis answers again.
    outbox.enqueue_once("commitments.bump_public_version")


def _bump_after_commit():
    if not bump_now():
        _bump_later()


def bump_public_version(**kwargs):
    """Invalidates every cached public page now, and again once the transaction commits: the
    second bump drops anything a concurrent request cached from the data before the commit."""
    if bump_now():
        transaction.on_commit(_bump_after_commit)
    else:
        _bump_later()


def cached_public_page(view):
    """Marks a view's page as cacheable for anonymous visitors (see PublicPageCacheMiddleware)."""

    def wrapper(request, *args, **kwargs):
        request.public_page_cacheable = True
        return view(request, *args, **kwargs)

    wrapper.__name__, wrapper.__doc__ = view.__name__, view.__doc__
    wrapper.__module__, wrapper.__wrapped__ = view.__module__, view
    return wrapper


def _page_key(request):
    # The host (absolute links), the path (which names the language) and today's date (pages
    # count days overdue) name a page.
    name = f"{request.get_host()}|{request.get_full_path()}|{timezone.localdate().isoformat()}"
    return "page:" + hashlib.sha256(name.encode()).hexdigest()


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            not settings.PUBLIC_PAGE_CACHE
            or request.method not in ("GET", "HEAD")
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            return self.get_response(request)
        key = _page_key(request)
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, _first_version(), timeout=None)
            version = cache.get(VERSION_KEY)
        hit = found.get(key)
        if hit is not None and hit[0] == version:
            response = HttpResponse(hit[1])
            for name, value in hit[2]:
                response[name] = value
            return response
        response = self.get_response(request)
        if (
            getattr(request, "public_page_cacheable", False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and version is not None
        ):
            headers = [(h, response[h]) for h in KEPT_HEADERS if h in response]
            cache.set(key, (version, response.content, headers), PAGE_TTL)
        return response
