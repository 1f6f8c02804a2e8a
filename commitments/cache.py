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
English at /en/), so the path and the query parameters the page reads (normalised, in a fixed
order; any other is dropped) name the page.

While Redis is down the cache degrades to no cache (ops.cache): every page is rendered, none
is stored, and a bump that cannot reach Redis waits in the outbox until it can.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.utils.http import urlencode

from ops import outbox
from ops.cache import cache_unavailable

VERSION_KEY = "public:version"
PAGE_TTL = 24 * 3600
# Headers the inner middleware or the view added, replayed on a hit.
KEPT_HEADERS = (
    "Content-Type",
    "Content-Language",
    "Content-Disposition",  # a download's file name (the report PDF, the press kit, .ics)
    "Vary",
    "X-Frame-Options",
    "ETag",
    "Cache-Control",
)
# What a view said to the outer middleware (django-csp) on its response, replayed on a hit:
# a widget's frame-ancestors (public.sharing.framable).
KEPT_ATTRIBUTES = ("_csp_replace",)


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


# --- Which requests name the same page ---------------------------------------------------
#
# A cached page is keyed on the query parameters its view reads, each normalised, in the
# order the view lists them; any other parameter is dropped, so `?utm=1`, `?x=<random>` and
# `?q=a&orden=plan` written in another order name the page they render, not a new entry. On a
# miss the view sees only the normalised parameters (request.GET and the query string are
# replaced), so what it renders, links included, is exactly what the key says.
#
# A normaliser takes the list of values sent for a parameter and returns the one value the
# page uses, or None to drop it; it raises Unkeyable for a value too long to be a real one
# (the page is then rendered and not stored). A value the page cannot use (a plan that does
# not exist, a page past the last) is the view's to find: it calls dont_store(request), and
# the page it renders (with its "not understood" message) is served and not kept, so made-up
# values of known parameters do not fill the cache either.

MAX_VALUE_LENGTH = 200


class Unkeyable(Exception):
    pass


def _last(values):
    value = values[-1].strip() if values else ""
    if len(value) > MAX_VALUE_LENGTH:
        raise Unkeyable
    return value


def text(values):
    """A value as the page reads it (QueryDict.get: the last one), stripped; empty is absent."""
    return _last(values) or None


def page_number(values):
    """A page of a list: a positive whole number; page 1, or anything else, is the page
    without the parameter."""
    value = _last(values)
    if value.isascii() and value.isdigit() and len(value) <= 9 and int(value) > 1:
        return str(int(value))
    return None


def flag(values):
    """A checkbox: on, or absent (a checkbox's "false" and empty are off, as Django reads)."""
    value = _last(values)
    return "on" if value and value.lower() != "false" else None


def slug(values):
    value = _last(values)
    return value if value and value.isascii() and value.replace("-", "").isalnum() else None


def choice(allowed):
    """One of `allowed`; anything else is dropped."""
    allowed = frozenset(allowed)

    def normalise(values):
        value = _last(values)
        return value if value in allowed else None

    return normalise


def dont_store(request):
    """The page this request renders is served but not cached: the view found a parameter
    it could not use."""
    request.public_page_cacheable = False


def cached_public_page(view=None, *, params=()):
    """Marks a view's page as cacheable for anonymous visitors (PublicPageCacheMiddleware),
    keyed on the query parameters it reads: `params`, (name, normaliser) pairs in a fixed
    order. `@cached_public_page` alone: a page that reads no parameter."""

    def decorate(view):
        def wrapper(request, *args, **kwargs):
            request.public_page_cacheable = True
            return view(request, *args, **kwargs)

        wrapper.__name__, wrapper.__doc__ = view.__name__, view.__doc__
        wrapper.__module__, wrapper.__wrapped__ = view.__module__, view
        wrapper.public_page_params = tuple(params)
        return wrapper

    return decorate(view) if view is not None else decorate


def _page_params(request):
    """The parameters of the cached page the path names, or None when it names no cached
    page (only those are looked up: other requests cost the cache nothing)."""
    # The language is in the path (Spanish at /, English under /en/), as LocaleMiddleware,
    # which runs later, will find it; the patterns resolve under the language they name.
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    return getattr(match.func, "public_page_params", None)


def normalised_query(query, params):
    """The QueryDict of `query` that a page reading `params` is keyed on and rendered from."""
    pairs = []
    for name, normalise in params:
        if name in query:
            value = normalise(query.getlist(name))
            if value is not None:
                pairs.append((name, value))
    return QueryDict(urlencode(pairs))


def _page_key(request, query):
    # The host (absolute links), the path (which names the language), the parameters the
    # page reads and today's date (pages count days overdue) name a page.
    name = "|".join(
        [request.get_host(), request.path, query.urlencode(), timezone.localdate().isoformat()]
    )
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
        params = _page_params(request)
        if params is None:
            return self.get_response(request)
        try:
            query = normalised_query(request.GET, params)
        except Unkeyable:
            return self.get_response(request)
        key = _page_key(request, query)
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
            for name, value in hit[3] if len(hit) > 3 else ():
                setattr(response, name, value)
            return _conditional(request, response)
        # The view renders from what the key names, and nothing else.
        request.GET = query
        request.META["QUERY_STRING"] = query.urlencode()
        response = self.get_response(request)
        if (
            getattr(request, "public_page_cacheable", False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and version is not None
        ):
            headers = [(h, response[h]) for h in KEPT_HEADERS if h in response]
            attributes = [
                (a, getattr(response, a)) for a in KEPT_ATTRIBUTES if hasattr(response, a)
            ]
            cache.set(key, (version, response.content, headers, attributes), PAGE_TTL)
        return _conditional(request, response)


def _conditional(request, response):
    """A 304 Not Modified for a page with an ETag the client already has (share cards)."""
    if response.status_code != 200 or not response.has_header("ETag"):
        return response
    return get_conditional_response(request, etag=response["ETag"], response=response)
