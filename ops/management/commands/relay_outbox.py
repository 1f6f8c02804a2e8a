"""The outbox relay: sends the tasks the web and worker processes could not publish."""

import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from ops import outbox

logger = logging.getLogger("ops.relay")

PURGE_EVERY_SECONDS = 3600
WARN_EVERY_SECONDS = 60
# How soon a waiting relay notices SIGTERM or Ctrl-C.
STOP_POLL_SECONDS = 0.2


class _Stop:
    """Asked for by SIGTERM or SIGINT. The handler only assigns an attribute, so it holds no
    lock: a ``threading.Event`` set from a handler deadlocks when a second signal lands while
    the first handler is inside ``set()`` (Ctrl-C to the process group, then SIGTERM)."""

    def __init__(self):
        self.requested = False

    def request(self, *_):
        self.requested = True

    def wait(self, seconds):
        deadline = time.monotonic() + seconds
        while not self.requested:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, STOP_POLL_SECONDS))


class Command(BaseCommand):
    help = (
        "Sends the Celery tasks waiting in the outbox (those whose publish failed because the "
        "broker was away) and keeps doing so every few seconds, backing off while the broker "
        "is down; purges sent messages after some days. SIGTERM or Ctrl-C stops it after the "
        "current batch. Run one or more (they share the work, never a message)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=2.0, help="Seconds between two looks (2)."
        )
        parser.add_argument(
            "--max-backoff",
            type=float,
            default=30.0,
            help="Longest wait between two tries while the broker is down (30 s).",
        )
        parser.add_argument("--batch-size", type=int, default=100)
        parser.add_argument(
            "--once",
            action="store_true",
            help="Send what waits now and exit (status 1 if the broker is away).",
        )

    def handle(self, *args, interval, max_backoff, batch_size, once, **options):
        stop = _Stop()
        if not once:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, stop.request)
            logger.info("Outbox relay started: looking every %.1f s", interval)
        backoff, down_since, warned_at, relayed = 0.0, None, 0.0, 0
        next_purge = time.monotonic()
        while not stop.requested:
            # A long-lived process: drop a database connection that broke or grew old.
            close_old_connections()
            try:
                sent, error = outbox.relay_batch(batch_size)
            except DatabaseError as db_error:
                sent, error = 0, db_error
            relayed += sent
            if error is not None:
                if once:
                    raise CommandError(f"Relayed {relayed}; the rest waits: {error}")
                backoff = min(max_backoff, max(interval, backoff * 2))
                now = time.monotonic()
                if down_since is None or now - warned_at >= WARN_EVERY_SECONDS:
                    down_since = down_since or now
                    warned_at = now
                    logger.warning(
                        "outbox relay: %s unavailable (%s: %s), tasks wait in the outbox; "
                        "next try in %.1f s",
                        "database" if isinstance(error, DatabaseError) else "broker",
                        type(error).__name__,
                        error,
                        backoff,
                    )
                stop.wait(backoff)
                continue
            if down_since is not None:
                logger.info(
                    "outbox relay: sending again after %.1f s of outage",
                    time.monotonic() - down_since,
                )
                backoff, down_since = 0.0, None
            if sent:
                logger.info("outbox relay: sent %d task(s)", sent)
            if sent >= batch_size:
                continue  # more may be waiting
            if once:
                break
            if time.monotonic() >= next_purge:
                next_purge = time.monotonic() + PURGE_EVERY_SECONDS
                try:
                    purged = outbox.purge_sent(now=timezone.now())
                except DatabaseError:
                    logger.exception("outbox relay: could not purge sent messages")
                else:
                    if purged:
                        logger.info("outbox relay: purged %d sent message(s)", purged)
            stop.wait(interval)
        if once:
            self.stdout.write(f"Relayed {relayed} task(s).")
        else:
            # Stopping already: at exit Python puts back the default handlers, so a signal
            # still on its way would kill the process (status -15) after its clean stop.
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, signal.SIG_IGN)
            logger.info("Outbox relay stopped")
