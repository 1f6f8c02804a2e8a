"""Health for load balancers and monitoring: /healthz/."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .cache import cache_unavailable
from .health import CHECKS, Unhealthy
from .models import Heartbeat, OutboxMessage

# Seconds a task may wait in the outbox before /healthz/ calls it a problem.
OUTBOX_LAG_SECONDS = 60


_Unhealthy = Unhealthy


def _timed(check):
    started = time.perf_counter()
    try:
        detail = check() or {}
        ok = True
    except _Unhealthy as error:
        detail, ok = {"error": str(error)}, False
    except Exception as error:  # noqa: BLE001 (health reports any failure, never raises)
        # The class only: a driver's message may name hosts or users.
        detail, ok = {"error": type(error).__name__}, False
    return {"ok": ok, "ms": round(1000 * (time.perf_counter() - started), 1), **detail}


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache():
    # Bounded: the Redis cache has short socket timeouts, and right after a failure it does
    # not even try (ops.cache).
    cache.set("healthz", 1, 10)
    if cache_unavailable(cache):
        raise _Unhealthy("the cache (Redis) is unavailable: pages are served without it")
    if cache.get("healthz") != 1:
        raise _Unhealthy("the cache read back nothing")
    return {"backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}


def _outbox():
    """Tasks waiting to reach the broker: a few for a moment is normal, old ones are not (the
    broker is down, or no relay runs)."""
    waiting = OutboxMessage.objects.filter(sent_at=None)
    oldest = waiting.order_by("id").values_list("created_at", flat=True).first()
    if oldest is None:
        return {"waiting": 0}
    count, age = waiting.count(), (timezone.now() - oldest).total_seconds()
    if age > OUTBOX_LAG_SECONDS:
        raise _Unhealthy(
            f"{count} task(s) waiting in the outbox, the oldest for {round(age)} s "
            "(is the broker up and `manage.py relay_outbox` running?)"
        )
    return {"waiting": count, "oldest_seconds": round(age)}


def _beat():
    beat = Heartbeat.objects.filter(name="beat").first()
    if beat is None:
        raise _Unhealthy("the beat has never run")
    age = (timezone.now() - beat.at).total_seconds()
    if age > 2 * settings.BEAT_HEARTBEAT_SECONDS:
        raise _Unhealthy(f"the beat last ran {round(age)} s ago")
    return {"last_run": beat.at.isoformat(), "age_seconds": round(age)}


@never_cache
def healthz(request):
    """200 while the database answers (the web process can serve); 503 when it does not.

    The cache (Redis), the beat, the outbox and the checks other apps register (ops.health:
    the last audit of the lights) are reported too: without them pages still
    serve and writes still commit, so they make the status "degraded", not a 503, unless
    `?strict=1` (for monitoring) is given.
    """
    checks = {
        "database": _timed(_database),
        "cache": _timed(_cache),
        "beat": _timed(_beat),
        "outbox": _timed(_outbox),
        **{name: _timed(check) for name, check in CHECKS.items()},
    }
    if not checks["database"]["ok"]:
        status = "fail"
    elif all(c["ok"] for c in checks.values()):
        status = "ok"
    else:
        status = "degraded"
    strict = request.GET.get("strict") == "1"
    code = 200 if status == "ok" or (status == "degraded" and not strict) else 503
    return JsonResponse({"status": status, "checks": checks}, status=code)
