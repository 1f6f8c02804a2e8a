"""Cache of public pages, invalidated once per transaction, only where a write changed them.

Each cached page is stored with the versions of the scopes it shows, current when it was
rendered: "global" (every page), and those its view declares (`cached_public_page(scopes=)`):
"national" (the aggregates of every state: home, semáforo, institution scorecard, search,
deadline pages, calendars, open data, the national card), "state:<slug>" (a state's page,
report, PDF, press kit, plan charts, calendar, card and widget, and the national pages
filtered to it with `?estado=`), "commitment:<OGP id>" (its page, card and widget) and
"institution:<slug>" (its page and card). A write bumps the scopes it touches, once, when its
transaction commits: a commitment's writes (services) call
invalidate_commitment_pages(commitment), which bumps that commitment, its state, its lead, co-
lead and supporting institutions and "national"; a write whose reach is wider or unknown (the
admin: InvalidatesPublicPages below, the importer, seed_demo, restore, a change of method or
threshold, the stale job, a person's preferences) calls invalidate_public_pages() with no
scope, which bumps "global". The pages of another state, of other commitments and of
institutions not involved stay cached. No model signal does it: a write that should invalidate
says so where it writes.

A bump after the commit is enough: a request that read the old versions caches its page under
them, which no longer match; one that reads the new versions reads the committed data. A hit
costs one cache round trip (the versions and the page are read together, one get_many) and
runs before the session, auth and locale middleware: the language is in the URL (Spanish at
/, English at /en/), so the path and the query parameters the page reads (normalised, in a
fixed order; any other is dropped) name the page. A visitor with a session (signed in) is
served the page stored for anonymous visitors with the header's account link as theirs; a page
rendered for them is not stored.

While Redis is down the cache degrades to no cache (ops.cache): every page is rendered, none
is stored, and a bump that cannot reach Redis waits in the outbox until it can (as a bump of
"global": every page Redis may still hold when it returns is dropped).
"""

import hashlib
import re
import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY as SESSION_USER_KEY
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.http import HttpResponse, QueryDict
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import urlencode

from ops import outbox
from ops.cache import cache_unavailable

VERSION_KEY = "public:version"  # the "global" scope's, on which every page depends
GLOBAL = "global"
NATIONAL = "national"
PAGE_TTL = 24 * 3600
# On every cacheable page: "hit" (served from the cache) or "miss" (rendered and stored), so
# that a load test, a proxy's log or a person with curl can tell which a response was.
CACHE_HEADER = "X-Page-Cache"
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
# A scope named from a URL that no slug or OGP id could be (too long, or with characters
# such as a NUL or a space, which cache keys must not hold) is not looked up: the page is
# served uncached (a 404, since no object has that name).
SCOPE_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,150}\Z")


def state_scope(slug):
    return f"state:{slug}"


def commitment_scope(ogp_id):
    return f"commitment:{ogp_id}"


def institution_scope(slug):
    return f"institution:{slug}"


def version_key(scope):
    return VERSION_KEY if scope == GLOBAL else f"{VERSION_KEY}:{scope}"


def _first_version():
    # Never a small number: if the key is evicted, pages stored under an old version must not
    # match the new one.
    return time.time_ns()


class CacheUnavailable(Exception):
    pass


def bump_now(scopes=(GLOBAL,)):
    """Bumps the versions of `scopes` (one cache round trip); False when the cache (Redis)
    could not be reached. "global" among them bumps only it: every page depends on it.

    A fresh value rather than an increment: any value other than the one a page was stored
    with invalidates it, and a set is one round trip where Redis' incr is two (exists, incr).
    """
    scopes = {GLOBAL} if GLOBAL in scopes else set(scopes)
    if len(scopes) == 1:
        cache.set(version_key(scopes.pop()), _first_version(), timeout=None)
    else:
        fresh = _first_version()
        cache.set_many({version_key(s): fresh for s in sorted(scopes)}, timeout=None)
    return not cache_unavailable(cache)


def _bump_later():
    # Redis is away: the pages it holds may be served again when it returns (after a network
    # cut, or a restart from its snapshot), so the invalidation is kept in the outbox and made
    # by a worker once Redis answers again (of every page: the outbox keeps no scope).
    outbox.enqueue_once("commitments.bump_public_version")


class _BumpOnCommit:
    def __init__(self, *, queued):
        # True when the transaction already queued the bump in the outbox (Redis was known
        # to be away): a failure after the commit then needs nothing more.
        self.queued = queued
        self.done = False
        self.scopes = set()
        self.commitments = set()  # ids whose scopes are already in self.scopes

    def __call__(self):
        # Marked, so that a later write does not count on it (tests run the callbacks of a
        # transaction that then goes on: django_capture_on_commit_callbacks).
        self.done = True
        if not bump_now(self.scopes) and not self.queued:
            # Redis went away unnoticed before the commit: queued now, just after it.
            _bump_later()

    def __repr__(self):
        return f"<bump the public versions of {sorted(self.scopes)}>"


def _pending_bump():
    """The bump waiting for the current transaction's commit, registered if there is none;
    None outside a transaction."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    # The callbacks still waiting for the commit; Django drops those of a savepoint rolled
    # back, so one found here commits with this write (as in ops.outbox.enqueue_once).
    pending = (c for _sp, c, _robust in connection.run_on_commit if isinstance(c, _BumpOnCommit))
    bump = next((c for c in pending if not c.done), None)
    if bump is not None:
        return bump
    queued = cache_unavailable(cache)
    if queued:
        # Known to be away: queued with the write, so it is kept if and only if it commits
        # (the message and the callback belong to the same savepoint).
        _bump_later()
    bump = _BumpOnCommit(queued=queued)
    transaction.on_commit(bump)
    return bump


def invalidate_public_pages(*scopes):
    """The cached public pages of `scopes` ("national", state_scope(slug), ...; none: every
    page) are dropped once the current transaction commits (at once outside one). Call it
    from any write to what the public pages show; a transaction that calls it a thousand times
    bumps each version once, in one round trip."""
    scopes = set(scopes) or {GLOBAL}
    bump = _pending_bump()
    if bump is None:
        bump = _BumpOnCommit(queued=False)
        bump.scopes = scopes
        bump()
        return
    bump.scopes |= scopes


def commitment_scopes(commitment_ids):
    """The scopes of the pages that show these commitments: each one's page, its state's, its
    lead, co-lead and supporting institutions', and the national aggregates. Two queries."""
    from states.models import Organisation

    from .models import Commitment

    scopes = {NATIONAL}
    rows = Commitment.objects.filter(pk__in=commitment_ids).values_list(
        "ogp_id", "action_plan__state__slug", "lead_institution__slug"
    )
    for ogp_id, state_slug, lead_slug in rows:
        scopes |= {commitment_scope(ogp_id), state_scope(state_slug)}
        scopes.add(institution_scope(lead_slug))
    others = Organisation.objects.filter(
        Q(co_led_commitments__in=commitment_ids) | Q(supported_commitments__in=commitment_ids)
    ).values_list("slug", flat=True)
    scopes |= {institution_scope(slug) for slug in others}
    return scopes


# --- Figures kept per state ---------------------------------------------------------------
#
# The national pages (home, institution scorecard) are sums over the states, and every write
# in a state bumps that state's scope (invalidate_commitment_pages names it; a write of wider
# or unknown reach bumps "global"). So each state's share of a national page's figures is
# kept apart, under the versions of "global" and of that state, exactly as that state's own
# pages are: a write in Jalisco drops the national pages and Jalisco's share, and the next
# national page recomputes Jalisco's share alone (one state's rows, not 32), reading the
# other 31 from the cache. The figures are the same either way; only what is computed again
# differs.


def _versions(keys, found):
    """The versions of the scope `keys` from `found` (a get_many of them), a fresh one added
    for each missing (never bumped, or evicted): never one a page was stored with, or the one
    another request just added. Returns (versions, keys added)."""
    added = []
    for missing in (k for k in keys if k not in found):
        fresh = _first_version()
        if cache.add(missing, fresh, timeout=None):
            found[missing] = fresh
            added.append(missing)
        else:
            found[missing] = cache.get(missing)
    return tuple(found.get(k) for k in keys), added


def per_state(name, states, compute, *, today):
    """{state pk: value} for `states` (State rows: pk and slug), each value compute()d for
    the states whose kept value is missing or stale (compute(list of pks) -> {pk: value},
    one call for all of them), the others read from the cache: one round trip to read, one
    to store. `name` names the figures; `today` is part of their key (days overdue)."""
    if not settings.PUBLIC_FIGURES_CACHE or not states:
        return compute([s.pk for s in states])
    scope_keys = {s.pk: version_key(state_scope(s.slug)) for s in states}
    entry_keys = {s.pk: f"figures:{name}:{s.pk}:{today.isoformat()}" for s in states}
    found = cache.get_many([VERSION_KEY, *scope_keys.values(), *entry_keys.values()])
    values, missing = {}, []
    for state in states:
        versions, _added = _versions([VERSION_KEY, scope_keys[state.pk]], found)
        kept = found.get(entry_keys[state.pk])
        if kept is not None and kept[0] == versions:
            values[state.pk] = kept[1]
        else:
            missing.append((state.pk, versions))
    if missing:
        computed = compute([pk for pk, _versions in missing])
        store = {}
        for pk, versions in missing:
            values[pk] = computed.get(pk)
            if None not in versions:
                # Stored with the versions read before computing: a write meanwhile has
                # bumped them, so what it changed is not kept past it.
                store[entry_keys[pk]] = (versions, values[pk])
        cache.set_many(store, PAGE_TTL)
    return values


def invalidate_commitment_pages(*commitments):
    """The pages that show these commitments (instances or ids; commitment_scopes) are dropped
    once the current transaction commits. Their scopes are read in the transaction, once per
    commitment however often it is called."""
    ids = {getattr(c, "pk", c) for c in commitments}
    bump = _pending_bump()
    if bump is None:
        invalidate_public_pages(*commitment_scopes(ids))
        return
    new = ids - bump.commitments
    if new:
        bump.scopes |= commitment_scopes(new)
        bump.commitments |= new


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


# --- Which scopes a page shows ------------------------------------------------------------
#
# Each cached view declares them: a function of the URL's arguments and the normalised query
# that returns the scopes of what the page shows (besides "global", on which every page
# depends). Named from the URL alone, so that a hit costs no SQL query.


def no_scope(kwargs, query):
    """A page that shows no data (the design system): dropped only with every page."""
    return ()


def national(kwargs, query):
    return (NATIONAL,)


def state_of_url(kwargs, query):
    return (state_scope(kwargs["slug"]),)


def commitment_of_url(kwargs, query):
    return (commitment_scope(kwargs["ogp_id"]),)


def institution_of_url(kwargs, query):
    return (institution_scope(kwargs["slug"]),)


def state_of_param(kwargs, query):
    """A national page that `?estado=<slug>` narrows to one state (only that state's data)."""
    slug = query.get("estado")
    return (state_scope(slug),) if slug else (NATIONAL,)


def cached_public_page(view=None, *, scopes, params=()):
    """Marks a view's page as cacheable for anonymous visitors (PublicPageCacheMiddleware),
    dropped when a write bumps one of its `scopes` (see above), keyed on the query parameters
    it reads: `params`, (name, normaliser) pairs in a fixed order."""

    def decorate(view):
        def wrapper(request, *args, **kwargs):
            request.public_page_cacheable = True
            return view(request, *args, **kwargs)

        wrapper.__name__, wrapper.__doc__ = view.__name__, view.__doc__
        wrapper.__module__, wrapper.__wrapped__ = view.__module__, view
        wrapper.public_page_params = tuple(params)
        wrapper.public_page_scopes = scopes
        return wrapper

    return decorate(view) if view is not None else decorate


def _cached_page(request):
    """The view and URL arguments of the cached page the path names, or None when it names
    no cached page (only those are looked up: other requests cost the cache nothing)."""
    # The language is in the path (Spanish at /, English under /en/), as LocaleMiddleware,
    # which runs later, will find it; the patterns resolve under the language they name.
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
    if not hasattr(match.func, "public_page_params"):
        return None
    return match.func, match.kwargs


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
        if not settings.PUBLIC_PAGE_CACHE or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        # A visitor with a session (signed in, or was) is served a page stored for anonymous
        # visitors, with its account link as theirs; a page rendered for them is not stored.
        session = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        page = _cached_page(request)
        if page is None:
            return self.get_response(request)
        view, kwargs = page
        try:
            query = normalised_query(request.GET, view.public_page_params)
        except Unkeyable:
            return self.get_response(request)
        scopes = (GLOBAL, *view.public_page_scopes(kwargs, query))
        if not all(SCOPE_NAME.match(s) for s in scopes):
            return self.get_response(request)
        keys = [version_key(s) for s in scopes]
        key = _page_key(request, query)
        found = cache.get_many([*keys, key])
        versions, added = _versions(keys, found)
        hit = found.get(key)
        if hit is not None and hit[0] == versions:
            response = HttpResponse(hit[1])
            for name, value in hit[2]:
                response[name] = value
            if session is not None and response["Content-Type"].startswith("text/html"):
                response.content = _theirs(hit[1], request, session)
            for name, value in hit[3] if len(hit) > 3 else ():
                setattr(response, name, value)
            response[CACHE_HEADER] = "hit"
            if session is not None:
                patch_cache_control(response, private=True)
            return _conditional(request, response)
        if session is not None:
            response = self.get_response(request)
            if response.status_code != 200:
                _forget(added)
            elif getattr(request, "public_page_cacheable", False):
                patch_cache_control(response, private=True)
            return response
        # The view renders from what the key names, and nothing else.
        request.GET = query
        request.META["QUERY_STRING"] = query.urlencode()
        response = self.get_response(request)
        if (
            getattr(request, "public_page_cacheable", False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and None not in versions
        ):
            headers = [(h, response[h]) for h in KEPT_HEADERS if h in response]
            attributes = [
                (a, getattr(response, a)) for a in KEPT_ATTRIBUTES if hasattr(response, a)
            ]
            cache.set(key, (versions, response.content, headers, attributes), PAGE_TTL)
            response[CACHE_HEADER] = "miss"
        else:
            _forget(added)
        return _conditional(request, response)


def _forget(added):
    """A page not stored (a made-up OGP id or slug: a 404) leaves no version of its own
    behind. Deleting a version only ever invalidates, so a write meanwhile is safe; the global
    one stays."""
    if any(k != VERSION_KEY for k in added):
        cache.delete_many([k for k in added if k != VERSION_KEY])


def _theirs(content, request, session_key):
    """A stored page as a visitor with this session sees it: the header's one link that
    depends on the visitor ("Sign in", or "Panel" when signed in) is theirs, rendered in the
    page's language by the template the page's came from. Whether the session is signed in
    costs one read of it; a session no longer valid only makes "Panel" lead to the sign-in
    page, which decides; with the database away the link stays "Sign in"."""
    try:
        session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
        signed_in = SESSION_USER_KEY in session
    except DatabaseError:
        signed_in = False
    if not signed_in:
        return content
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        links = [
            render_to_string("_account_link.html", {"signed_in": s}).encode() for s in (False, True)
        ]
    return content.replace(*links, 1)


def _conditional(request, response):
    """A 304 Not Modified for a page with an ETag the client already has (share cards)."""
    if response.status_code != 200 or not response.has_header("ETag"):
        return response
    return get_conditional_response(request, etag=response["ETag"], response=response)
