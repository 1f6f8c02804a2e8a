"""Cache of public pages, invalidated once per transaction that changes what they show.

Each cached page is stored with the "public version" current when it was rendered. A service
that writes anything the public pages show calls invalidate_public_pages(), which registers
one bump of the version for when its transaction commits, however often it is called in that
transaction; the next request then renders afresh. The admin calls it too
(InvalidatesPublicPages, below), as do the importer, seed_demo and restore. No
model signal does it: a write that should invalidate says so where it writes.

A bump after the commit is enough: a request that read the old version caches its page under
that version, which no longer matches; one that reads the new version reads the committed
data. A hit costs one cache round trip (the version and the page are read together) and runs
before the session, auth and locale middleware: the language is in the URL (Spanish at /,
English at /en/), so the path alone names the page.

While Redis is down the cache degrades to no cache (ops.cache): every page is rendered, none
is stored, and a bump that cannot reach Redis waits in the outbox until it can.
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
    """Bumps the public version (one cache round trip); False when the cache (Redis) could
    not be reached.

    A fresh value rather than an increment: any value other than the one a page was stored
    with invalidates it, and a set is one round trip where Redis' incr is two (exists, incr).
    """
    cache.set(VERSION_KEY, _first_version(), timeout=None)
    return not cache_unavailable(cache)


def _bump_later():
    # Redis is away: the pages it holds may be served again when it returns (after a network
    # cut, or a restart from its snapshot), so the invalidation is kept in the outbox and made
    # by a worker once Redis answers again.
    outbox.enqueue_once("commitments.bump_public_version")


class _BumpOnCommit:
    def __init__(self, *, queued):
        # True when the transaction already queued the bump in the outbox (Redis was known
        # to be away): a failure after the commit then needs nothing more.
        self.queued = queued
        self.done = False

    def __call__(self):
        # Marked, so that a later write does not count on it (tests run the callbacks of a
        # transaction that then goes on: django_capture_on_commit_callbacks).
        self.done = True
        if not bump_now() and not self.queued:
            # Redis went away unnoticed before the commit: queued now, just after it.
            _bump_later()

    def __repr__(self):
        return "<bump the public version>"


def invalidate_public_pages():
    """Every cached public page is dropped once the current transaction commits (at once
    outside one). Call it from any write to what the public pages show; a transaction that
    calls it a thousand times bumps the version once."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _BumpOnCommit(queued=False)()
        return
    # The callbacks still waiting for the commit; Django drops those of a savepoint rolled
    # back, so one found here commits with this write (as in ops.outbox.enqueue_once).
    pending = (c for _sp, c, _robust in connection.run_on_commit if isinstance(c, _BumpOnCommit))
    if any(not c.done for c in pending):
        return
    queued = cache_unavailable(cache)
    if queued:
        # Known to be away: queued with the write, so it is kept if and only if it commits
        # (the message and the callback belong to the same savepoint).
        _bump_later()
    transaction.on_commit(_BumpOnCommit(queued=queued))


class InvalidatesPublicPages:
    """For a ModelAdmin of something the public pages show: every save (inlines and many-to-
    many included) and delete invalidates them when the admin's transaction commits."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        invalidate_public_pages()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        invalidate_public_pages()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        invalidate_public_pages()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        invalidate_public_pages()


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
