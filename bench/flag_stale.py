"""Benchmark: the stale job against one raw SQL UPDATE that sets the same flags.

Loads N milestones (1,000,000 by default), all due for a check, into a dedicated PostgreSQL
database: one in twenty undated, one in five completed (some late), their lights as the rules
gave them 30 days before (`--days-behind`; `--first-run`: all green, as a plan loaded after its
dates, where most lights change). Each round (3 by default) then times, one after the other:

- the job: commitments.services.flag_stale_milestones, as the Celery task runs it (batches
  locked with SKIP LOCKED, the rules in SQL, a transition row per change);
- the baseline: one raw UPDATE that sets the same signal, signal_since, next_check_at and
  light_reason in a single pass, and nothing else (no row locks beyond its own, no
  transitions, one transaction);
- the second baseline: that UPDATE after one raw INSERT of the same transitions, in one
  transaction: everything the job writes, in two set-based statements.

Each starts from the same point: every milestone put back as loaded, no transitions, the
table rewritten (VACUUM FULL) and a CHECKPOINT taken, so that none pays for another's writes;
the order rotates from round to round. It checks that every run leaves exactly the rows the
job left, and the second baseline exactly the job's transitions, and reports each round's
ratios to both baselines with their median, min and max, and the statements sent per batch.
With --python it also times the job with the rules of rules.py in Python once and checks that
it leaves the same rows and transitions as the rules in SQL. Not run by the tests or CI.

    .venv/bin/python bench/flag_stale.py                       # 1,000,000 milestones
    .venv/bin/python bench/flag_stale.py --milestones 100000 --batch-size 5000 --python

BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ogp_bench) names the database;
it is created if missing and its tracker tables are emptied: never point it at real data.
BENCH_REDIS_URL (default redis://127.0.0.1:6379/8) is the cache, where each batch drops the
pages of what it changed.
"""

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ogp_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
TZ = "America/Mexico_City"

# The baseline: the same rules as commitments.rules.assess, set-based, written apart from the
# job's SQL (commitments.rules_sql) so that each checks the other. Dates are midnights in
# Mexico City; the threshold is counted in exact seconds from the last activity, or in
# wall-clock days from the planned start's midnight when that is later, as Python adds a
# timedelta to each. An undated milestone (no due date) has no date onsets: NULL, which
# LEAST skips and comparisons leave false.
#
# One pass over the rows due, joined to their state's threshold. UPDATE's FROM cannot refer
# to the target row, so each onset is written out where it is used (PostgreSQL computes them
# again; it is still the fastest form we found: a subquery joined back by id, the form this
# benchmark used at first, was about 15 % slower).
_FROM_ACTIVITY = "m.last_activity_at >= m.starts_on::timestamp AT TIME ZONE %(tz)s"
_OVERDUE_AT = "((m.due_on + 1)::timestamp AT TIME ZONE %(tz)s)"
_DUE_SOON_AT = "((m.due_on - 30)::timestamp AT TIME ZONE %(tz)s)"
_START_AT = "(m.starts_on::timestamp AT TIME ZONE %(tz)s)"
_STALE_AT = (
    f"(CASE WHEN {_FROM_ACTIVITY} "
    "THEN m.last_activity_at + make_interval(secs => s.stale_after_days * 86400) "
    "ELSE (m.starts_on + make_interval(secs => s.stale_after_days * 86400)) "
    "AT TIME ZONE %(tz)s END)"
)
_QUIET_AT = (
    f"(CASE WHEN {_FROM_ACTIVITY} "
    "THEN m.last_activity_at + make_interval(secs => s.stale_after_days * 43200) "
    "ELSE (m.starts_on + make_interval(secs => s.stale_after_days * 43200)) "
    "AT TIME ZONE %(tz)s END)"
)
_DONE = "(m.status = 'completed')"
_OVERDUE = f"(%(now)s >= {_OVERDUE_AT})"
_RED = f"({_OVERDUE} OR %(now)s >= {_STALE_AT})"
_UNDATED = "(m.due_on IS NULL)"
_DUE_SOON = f"(%(now)s >= {_DUE_SOON_AT})"
_YELLOW = f"({_UNDATED} OR {_DUE_SOON} OR %(now)s >= {_QUIET_AT})"
_SIGNAL = (
    f"(CASE WHEN {_DONE} THEN 'green' WHEN {_RED} THEN 'red' "
    f"WHEN {_YELLOW} THEN 'yellow' ELSE 'green' END)"
)
# When the light a milestone takes began: the light since of a milestone whose light changes,
# and the moment its transition records.
_ONSET = (
    f"(CASE WHEN {_DONE} THEN %(now)s "
    f"WHEN {_RED} THEN LEAST({_OVERDUE_AT}, {_STALE_AT}) "
    f"WHEN {_UNDATED} THEN LEAST(%(now)s, {_START_AT}) "
    f"WHEN {_YELLOW} THEN LEAST({_DUE_SOON_AT}, {_QUIET_AT}) "
    "ELSE %(now)s END)"
)
# The rows due, each with its state's threshold (s).
_JOINED = "commitments_commitment AS c, commitments_actionplan AS ap, states_state AS s"
_DUE = (
    "c.id = m.commitment_id AND ap.id = c.action_plan_id AND s.id = ap.state_id "
    "AND m.next_check_at <= %(now)s"
)
RAW_UPDATE = f"""
UPDATE commitments_milestone AS m
SET signal = {_SIGNAL},
    signal_since = CASE WHEN {_SIGNAL} = m.signal THEN m.signal_since ELSE {_ONSET} END,
    next_check_at = CASE
        WHEN {_DONE} OR {_OVERDUE} THEN NULL
        WHEN {_RED} THEN {_OVERDUE_AT}
        WHEN {_UNDATED} THEN {_STALE_AT}
        WHEN {_DUE_SOON} THEN LEAST({_OVERDUE_AT}, {_STALE_AT})
        WHEN {_YELLOW} THEN LEAST({_OVERDUE_AT}, {_STALE_AT}, {_DUE_SOON_AT})
        ELSE LEAST({_OVERDUE_AT}, {_STALE_AT}, {_DUE_SOON_AT}, {_QUIET_AT})
    END,
    light_reason = CASE
        WHEN {_DONE} AND m.completed_on > m.due_on THEN 'completed_late'
        WHEN {_DONE} THEN 'completed'
        WHEN {_OVERDUE} THEN 'overdue'
        WHEN {_RED} THEN 'stale'
        WHEN {_UNDATED} THEN 'undated'
        WHEN {_DUE_SOON} THEN 'due_soon'
        WHEN {_YELLOW} THEN 'quiet'
        ELSE 'on_track'
    END
FROM {_JOINED}
WHERE {_DUE}
"""  # noqa: S608 (constant fragments; every value is a bound parameter)

# The history the job keeps, written the same way: one transition per milestone whose light
# changes, at the new light's onset. Sent before RAW_UPDATE, so that it reads the lights
# before the UPDATE changes them, in the same transaction (the second baseline: what the job
# writes, all of it, in two set-based statements); the foreign key is deferred, so
# PostgreSQL checks each transition at the commit, as it does the job's.
RAW_HISTORY = f"""
INSERT INTO commitments_transition
    (milestone_id, old_signal, new_signal, happened_at, recorded_at, cause)
SELECT m.id, m.signal, {_SIGNAL}, {_ONSET}, %(now)s, 'clock'
FROM commitments_milestone AS m, {_JOINED}
WHERE {_DUE} AND {_SIGNAL} <> m.signal
"""  # noqa: S608 (constant fragments; every value is a bound parameter)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--milestones", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=None, help="default: the job's own")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="timed rounds of the job and both baselines (default 3)",
    )
    parser.add_argument(
        "--days-behind",
        type=int,
        default=30,
        help="the lights start as the rules gave them this many days before the run, every "
        "milestone due for a check again (default 30: the job catching up a month)",
    )
    parser.add_argument(
        "--first-run",
        action="store_true",
        help="the lights start all green, as loaded: the job's first run over a plan loaded "
        "after its dates, where most lights change (the worst case)",
    )
    parser.add_argument(
        "--python",
        action="store_true",
        help="also time the job with the rules in Python once, and compare its rows and "
        "transitions with those of the rules in SQL",
    )
    return parser.parse_args()


def setup_django(url):
    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to empty {name!r}: the benchmark database's name must contain 'bench'.")
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    # The pages a batch drops are dropped in Redis, as in production (the file cache of a
    # bare install lists its directory at every write: the job ran up to a third slower).
    os.environ.pop("REDIS_URL", None)
    redis_url = os.environ["CACHE_REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        # The site would carry on without its cache (a warning), and the job measured would
        # drop no page: not the job production runs.
        sys.exit(f"Redis at {redis_url} does not answer ({error}): set BENCH_REDIS_URL.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ogptracker.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(n, seed, now, days_behind=None):
    """Empties the tracker tables and loads n milestones with COPY, all due for a check, green
    or, with `days_behind`, with the lights the rules gave them that many days before `now`."""
    from django.db import connection

    from commitments.models import ActionPlan, Commitment
    from states.models import Organisation, State

    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE alerts_notification, alerts_remindersent, commitments_transition, "
            "commitments_statusupdate, commitments_evidence, commitments_milestone, "
            "commitments_commitment_supporting_institutions, commitments_commitment, "
            "commitments_actionplan, states_membership, states_transparencybodyterm, "
            "states_organisation, states_state RESTART IDENTITY CASCADE"
        )
    state = State.objects.create(name="Estado de prueba", slug="prueba", inegi_code="99")
    lead = Organisation.objects.create(name="Dependencia", kind="government", state=state)
    plan = ActionPlan.objects.create(
        state=state,
        number=1,
        title="Plan",
        starts_on=dt.date(2023, 1, 1),
        ends_on=dt.date(2027, 12, 31),
    )
    per_commitment = 1000
    commitments = Commitment.objects.bulk_create(
        Commitment(
            action_plan=plan,
            ogp_id=f"MXBEN{i:05d}",
            number=i,
            title=f"Compromiso {i}",
            lead_institution=lead,
            starts_on=plan.starts_on,
            ends_on=plan.ends_on,
        )
        for i in range(1, n // per_commitment + 2)
    )
    mx = dt.timezone(dt.timedelta(hours=-6))
    first_day = dt.date(2023, 1, 1)
    columns = (
        "commitment_id, number, title, deliverable, starts_on, due_on, status, progress, "
        "completed_on, last_activity_at, signal, signal_since, next_check_at"
    )
    with connection.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'commitments_milestone' AND column_name = 'version'"
        )
        # The contributor workflows add an edit counter with no database default.
        versioned = cur.fetchone() is not None
    if versioned:
        columns += ", version"
    # Columns later models added with no database default, present or not.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'commitments_milestone'"
        )
        present = {row[0] for row in cur.fetchall()}
    later = {
        "due_precision": "day",
        "light_reason": "on_track",
        "verification_status": "unverified",
    }
    later = {name: value for name, value in later.items() if name in present}
    for name in later:
        columns += f", {name}"
    with (
        connection.cursor() as cur,
        cur.connection.cursor().copy(f"COPY commitments_milestone ({columns}) FROM STDIN") as copy,
    ):
        for i in range(n):
            starts_on = first_day + dt.timedelta(days=rng.randrange(0, 1400))
            # One in twenty has no due date (undated, yellow until it goes stale).
            undated = rng.random() < 0.05
            due_on = None if undated else starts_on + dt.timedelta(days=rng.randrange(30, 720))
            roll = rng.random()
            status = "completed" if roll < 0.2 else "in_progress" if roll < 0.6 else "not_started"
            # Completed up to 60 days before or after the due date: some of them late.
            completed_on = (
                (due_on or starts_on) + dt.timedelta(days=rng.randrange(-60, 61))
                if status == "completed"
                else None
            )
            progress = 100 if status == "completed" else rng.randrange(0, 95, 5)
            quiet_days = rng.randrange(0, 400)
            last_activity = now - dt.timedelta(days=quiet_days, seconds=rng.randrange(86400))
            copy.write_row(
                (
                    commitments[i // per_commitment].pk,
                    i % per_commitment + 1,
                    f"Hito {i}",
                    "",
                    starts_on,
                    due_on,
                    status,
                    progress,
                    completed_on,
                    last_activity.astimezone(mx),
                    "green",
                    dt.datetime(2023, 1, 1, tzinfo=mx),
                    now - dt.timedelta(minutes=1),
                    *((1,) if versioned else ()),
                    *later.values(),
                )
            )
    with connection.cursor() as cur:
        if days_behind is not None:
            # The baseline's rules at that moment (the job's are timed against them), then
            # every milestone due again.
            then = now - dt.timedelta(days=days_behind)
            due = "UPDATE commitments_milestone SET next_check_at = %s"
            cur.execute(due, [then - dt.timedelta(minutes=1)])
            cur.execute(RAW_UPDATE, {"now": then, "tz": TZ})
            cur.execute(due, [now - dt.timedelta(minutes=1)])
        cur.execute(
            "DROP TABLE IF EXISTS bench_initial, bench_job, bench_job_rows, bench_job_transitions"
        )
        cur.execute(
            "CREATE TABLE bench_initial AS SELECT id, signal, signal_since, next_check_at, "
            "light_reason FROM commitments_milestone"
        )
        cur.execute("VACUUM ANALYZE commitments_milestone")


def reset():
    """Puts every milestone back as loaded, with no transitions, in a freshly written table.

    Every timed run starts from the same state: VACUUM FULL rewrites the table and its indexes
    compactly (as after the load), and CHECKPOINT writes out the reset's own changes, so that
    no run pays for the writes of the one before.
    """
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("TRUNCATE commitments_transition CASCADE")
        cur.execute(
            "UPDATE commitments_milestone m SET signal = i.signal, signal_since = i.signal_since, "
            "next_check_at = i.next_check_at, light_reason = i.light_reason "
            "FROM bench_initial i WHERE m.id = i.id"
        )
        cur.execute("VACUUM (FULL, ANALYZE) commitments_milestone")
        cur.execute("VACUUM ANALYZE commitments_transition")
        cur.execute("CHECKPOINT")


def snapshot():
    """Keeps the lights and the transitions the job left, to compare other runs with them."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_job_rows, bench_job_transitions")
        cur.execute(
            "CREATE TABLE bench_job_rows AS SELECT id, signal, signal_since, next_check_at, "
            "light_reason FROM commitments_milestone"
        )
        cur.execute(
            "CREATE TABLE bench_job_transitions AS SELECT milestone_id, old_signal, new_signal, "
            "happened_at, recorded_at, cause FROM commitments_transition"
        )


def rows_that_differ():
    """Milestones whose light, light since, next check or reason differ from what the job
    left."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM commitments_milestone m FULL JOIN bench_job_rows r USING (id) "
            "WHERE (m.signal, m.signal_since, m.next_check_at, m.light_reason) IS DISTINCT FROM "
            "(r.signal, r.signal_since, r.next_check_at, r.light_reason)"
        )
        return cur.fetchone()[0]


def transitions_that_differ():
    """Transitions here and not in what the job left, or the reverse (EXCEPT ALL: duplicates
    count)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM ("
            " (SELECT milestone_id, old_signal, new_signal, happened_at, recorded_at, cause"
            "  FROM commitments_transition"
            "  EXCEPT ALL SELECT * FROM bench_job_transitions)"
            " UNION ALL"
            " (SELECT * FROM bench_job_transitions"
            "  EXCEPT ALL SELECT milestone_id, old_signal, new_signal, happened_at, recorded_at,"
            "  cause FROM commitments_transition)"
            ") AS d"
        )
        return cur.fetchone()[0]


def run_raw(now, *statements):
    """The statements in one transaction, timed to the end of its commit (where PostgreSQL
    checks the deferred foreign keys of any transitions written); their row counts."""
    from django.db import connection, transaction

    params = {"now": now, "tz": TZ}
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        counts = []
        for statement in statements:
            cur.execute(statement, params)
            counts.append(cur.rowcount)
    return time.perf_counter() - start, counts


def run_job(now, batch_size, *, in_database=True):
    import psycopg

    from commitments import services

    counts = Counter()
    current = {"batch": 0}
    execute = psycopg.Cursor.execute

    # Counts every statement sent, through Django's cursors or psycopg's own.
    def counting_execute(cursor, query, *args, **kwargs):
        text = query if isinstance(query, str) else str(query)
        if "SKIP LOCKED" in text:  # each batch begins by locking its rows
            current["batch"] += 1
        counts[current["batch"]] += 1
        return execute(cursor, query, *args, **kwargs)

    kwargs = {"batch_size": batch_size} if batch_size else {}
    psycopg.Cursor.execute = counting_execute
    try:
        start = time.perf_counter()
        result = services.flag_stale_milestones(now=now, in_database=in_database, **kwargs)
        elapsed = time.perf_counter() - start
    finally:
        psycopg.Cursor.execute = execute
    return elapsed, result, counts


def main():
    args = parse_args()
    setup_django(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    from django.db import connection

    from commitments.models import Transition

    now = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-6)))
    print(f"Loading {args.milestones:,} milestones...", flush=True)
    start = time.perf_counter()
    load(args.milestones, args.seed, now, None if args.first_run else args.days_behind)
    print(f"  loaded in {time.perf_counter() - start:.1f} s", flush=True)

    failures = []
    rounds = []
    sides = {
        "job": "the job (flag_stale_milestones, rules in SQL)",
        "raw": "one raw SQL UPDATE (single pass)",
        "history": "the raw UPDATE and the same transitions in raw SQL (one transaction)",
    }
    for n in range(1, args.rounds + 1):
        # The job goes first in round 1 (its rows are the reference), then each side in turn,
        # so that none always runs on the warmest cache.
        turn = (n - 1) % len(sides)
        order = list(sides)[turn:] + list(sides)[:turn]
        times = {}
        for side in order:
            reset()
            print(f"Round {n}: {sides[side]}...", flush=True)
            if side == "job":
                times[side], result, counts = run_job(now, args.batch_size)
                transitions = Transition.objects.count()
                print(
                    f"  {times[side]:.2f} s, {result.checked:,} checked in {result.batches} "
                    f"batches, {transitions:,} transitions",
                    flush=True,
                )
                if n == 1:
                    snapshot()
                elif rows_that_differ() or transitions_that_differ():
                    failures.append(f"round {n}: the job did not repeat itself")
            else:
                if side == "raw":
                    times[side], (updated,) = run_raw(now, RAW_UPDATE)
                    print(f"  {times[side]:.2f} s, {updated:,} rows", flush=True)
                else:
                    times[side], (inserted, updated) = run_raw(now, RAW_HISTORY, RAW_UPDATE)
                    print(
                        f"  {times[side]:.2f} s, {updated:,} rows, {inserted:,} transitions",
                        flush=True,
                    )
                # The raw UPDATEs set the same columns: the job must leave the same rows.
                if differences := rows_that_differ():
                    failures.append(f"round {n}: {differences} rows differ ({side} against job)")
                # And the raw history the same transitions (round 1 kept the job's first).
                if side == "history" and (differences := transitions_that_differ()):
                    failures.append(f"round {n}: {differences} transitions differ (raw vs job)")
        rounds.append(times)

    with connection.cursor() as cur:
        cur.execute(
            "SELECT signal, count(*) FROM commitments_milestone GROUP BY signal ORDER BY signal"
        )
        lights = dict(cur.fetchall())
        cur.execute("SHOW server_version")
        (pg_version,) = cur.fetchone()

    python = None
    if args.python:
        # The same job with the rules of rules.py run in Python: the reference, once.
        reset()
        print("The job with the rules in Python (in_database=False)...", flush=True)
        python_time, _, python_counts = run_job(now, args.batch_size, in_database=False)
        print(f"  {python_time:.2f} s", flush=True)
        python = (
            python_time,
            rows_that_differ(),
            transitions_that_differ(),
            dict(Counter(python_counts.values())),
        )
        if python[1] or python[2]:
            failures.append("the rules in SQL and in Python disagree")

    from commitments import services

    size = args.batch_size or services.flag_stale_milestones.__kwdefaults__["batch_size"]
    # How many batches ran how many queries; the last read finds nothing and ends the job.
    per_batch = Counter(counts.values())
    ratios = [r["job"] / r["raw"] for r in rounds]
    history_ratios = [r["job"] / r["history"] for r in rounds]
    print()
    print(f"milestones            {args.milestones:,}")
    print(
        "lights before         "
        + ("all green (--first-run)" if args.first_run else f"{args.days_behind} days behind")
    )
    print(f"lights after          {lights}")
    print(
        f"transitions           {transitions:,} written by the job and by the raw history; "
        "none by the raw UPDATE alone"
    )
    for n, r in enumerate(rounds, start=1):
        print(
            f"round {n}               job {r['job']:.2f} s, raw UPDATE {r['raw']:.2f} s "
            f"({r['job'] / r['raw']:.2f}x), raw UPDATE and history {r['history']:.2f} s "
            f"({r['job'] / r['history']:.2f}x)"
        )
    for label, values in (("raw UPDATE", ratios), ("raw UPDATE and history", history_ratios)):
        print(
            f"ratio job / {label:<22} median {statistics.median(values):.2f} "
            f"(min {min(values):.2f}, max {max(values):.2f}, {len(values)} rounds)"
        )
    print(f"batches               {result.batches} of up to {size:,}")
    print(f"queries               {sum(counts.values())} in all; per batch: {dict(per_batch)}")
    print(
        "rows that differ      0 between the job and each raw run, in every round; "
        "transitions: 0 between the job and the raw history"
        if not failures
        else f"failures              {failures}"
    )
    if python:
        print(
            f"rules in Python       {python[0]:.2f} s "
            f"({python[0] / statistics.median(r['raw'] for r in rounds):.2f}x the median raw); "
            f"against the rules in SQL: {python[1]} rows and {python[2]} transitions differ; "
            f"queries per batch: {python[3]}"
        )
    print(
        f"machine               {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL {pg_version}"
    )
    if failures:
        sys.exit("; ".join(failures))


if __name__ == "__main__":
    main()
