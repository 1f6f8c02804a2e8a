"""Benchmark: `audit_lights` on N milestones (1,000,000 by default) on PostgreSQL.

Loads the milestones as bench/flag_stale.py does (its `load`, into the same dedicated
database), lets the stale job assess them all, then corrupts a known set of rows with raw SQL
(light, reason, next check, onset). Each round (3 by default) times, one after the other:

- the audit: commitments.services.audit.find_differences, as `manage.py audit_lights` runs it
  (every milestone read in ranges of ids, the rules in SQL, the last transition of each);
- the baseline: one read of the same rows and joins (milestone, commitment, plan, state, the
  last transition of each) that applies no rule, aggregated so nothing travels to Python;
- a full pass of the stale job over every milestone, as a change of method runs it
  (`services.reassess`: every next check made due, then the job, in one transaction), the
  other set-based job of the tracker, for scale (rolled back, the table rewritten after it,
  so every round starts from the same table).

It checks that the audit finds exactly the corrupted rows, and reports each round's times and
the ratios with their median. Not run by the tests or CI.

    .venv/bin/python bench/audit_lights.py                   # 1,000,000 milestones
    .venv/bin/python bench/audit_lights.py --milestones 100000 --rounds 1

BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ogp_bench) names the database;
it is created if missing and its tracker tables are emptied: never point it at real data.
BENCH_REDIS_URL (default redis://127.0.0.1:6379/8) is the cache, as for bench/flag_stale.py.
"""

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from flag_stale import DEFAULT_URL, load, setup_django  # noqa: E402

BASELINE = """
SELECT count(*), max(m.signal_since), max(s.stale_after_days), max(r.happened_at)
FROM commitments_milestone AS m
JOIN commitments_commitment AS c ON c.id = m.commitment_id
JOIN commitments_actionplan AS p ON p.id = c.action_plan_id
JOIN states_state AS s ON s.id = p.state_id
LEFT JOIN LATERAL (
    SELECT t.new_signal, t.happened_at FROM commitments_transition AS t
    WHERE t.milestone_id = m.id ORDER BY t.id DESC LIMIT 1
) AS r ON true
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--milestones", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corrupt", type=int, default=100, help="rows corrupted by raw SQL")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def corrupt(count):
    """Changes `count` rows around the services, a quarter of each kind; returns their ids."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT id FROM commitments_milestone ORDER BY id")
        ids = [row[0] for row in cur.fetchall()]
        step = max(len(ids) // count, 1)
        chosen = ids[::step][:count]
        kinds = [
            "signal = CASE signal WHEN 'green' THEN 'red' ELSE 'green' END",
            # Some milestones have no due date: their reason is "undated" already.
            "light_reason = CASE light_reason WHEN 'undated' THEN 'on_track' ELSE 'undated' END",
            "next_check_at = '2099-06-01T00:00:00Z'",
            "signal_since = '2099-01-01T00:00:00Z'",
        ]
        for i, kind in enumerate(kinds):
            cur.execute(
                f"UPDATE commitments_milestone SET {kind} WHERE id = ANY(%s)",  # noqa: S608  # nosec B608
                [chosen[i::4]],
            )
    return set(chosen)


def main():
    args = parse_args()
    setup_django(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    from django.db import connection

    from commitments import services
    from commitments.services import audit

    now = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-6)))
    print(f"Loading {args.milestones:,} milestones...", flush=True)
    load(args.milestones, args.seed, now)
    services.flag_stale_milestones(now=now)
    with connection.cursor() as cur:
        cur.execute("VACUUM (FULL, ANALYZE) commitments_milestone")
        cur.execute("VACUUM ANALYZE commitments_transition")
    corrupted = corrupt(args.corrupt)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM commitments_transition")
        transitions = cur.fetchone()[0]
    print(f"  {transitions:,} transitions; {len(corrupted)} rows corrupted", flush=True)

    rounds = []
    for n in range(1, args.rounds + 1):
        times = {}
        with connection.cursor() as cur:
            cur.execute("CHECKPOINT")
            start = time.perf_counter()
            cur.execute(BASELINE)
            cur.fetchone()
            times["baseline"] = time.perf_counter() - start
        start = time.perf_counter()
        checked, differences = audit.find_differences(now=now)
        times["audit"] = time.perf_counter() - start
        found = {d.milestone_id for d in differences}
        if found != corrupted or checked != args.milestones:
            sys.exit(
                f"The audit found {len(found)} rows ({len(found & corrupted)} of the "
                f"{len(corrupted)} corrupted) in {checked:,}."
            )
        # The stale job over every row, as a change of method runs it (services.reassess:
        # every milestone made due, then the job, in one transaction), rolled back so the
        # next round audits the same table.
        from django.db import transaction

        from commitments.models import Milestone, Transition

        with transaction.atomic():
            start = time.perf_counter()
            services.reassess(Milestone.objects.all(), now=now, cause=Transition.Cause.METHODOLOGY)
            times["stale pass"] = time.perf_counter() - start
            transaction.set_rollback(True)
        # The rolled-back pass left a dead version of every row: rewrite the table, so the
        # next round reads what this one read.
        with connection.cursor() as cur:
            cur.execute("VACUUM (FULL, ANALYZE) commitments_milestone")
            cur.execute("VACUUM ANALYZE commitments_transition")
        rounds.append(times)
        print(
            f"round {n}: audit {times['audit']:.1f} s, baseline read {times['baseline']:.1f} s "
            f"({times['audit'] / times['baseline']:.2f}x), full stale pass "
            f"{times['stale pass']:.1f} s ({times['audit'] / times['stale pass']:.2f}x)",
            flush=True,
        )

    def median(key):
        return statistics.median(r[key] for r in rounds)

    print(
        f"\n{args.milestones:,} milestones, {args.rounds} rounds, {platform.python_version()}:"
        f"\n  audit {median('audit'):.1f} s (median), found exactly the {len(corrupted)} "
        "corrupted rows"
        "\n  audit / baseline read: "
        f"{statistics.median(r['audit'] / r['baseline'] for r in rounds):.2f}"
        f"\n  audit / full stale pass: "
        f"{statistics.median(r['audit'] / r['stale pass'] for r in rounds):.2f}"
    )


if __name__ == "__main__":
    main()
