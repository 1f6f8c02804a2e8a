#!/usr/bin/env python
"""Import and export speed, and export memory, on PostgreSQL.

    .venv/bin/python bench/import_export.py

Creates (dropping it first) the database ogp_bench_io, loads the demo, then:
- imports a generated action plan of 10,000 milestone rows (1,000 commitments x 10) with
  commitments.importer, and imports it again (nothing changes): rows per second;
- adds milestones until there are 200,000 (four states of 50,000), then streams the
  milestone CSV export (api.exports) of one state (50,000 rows) and of the whole country
  (200,000 rows): rows per second, and the peak of Python memory allocated while streaming
  (tracemalloc, measured in a separate pass from the timing). Constant memory means the
  200,000-row peak is about the 50,000-row one.
Not a test: the figures go into README.md ("Benchmarks").
"""

import csv
import io
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(database, postgres):
    env = {
        **os.environ,
        "DATABASE_URL": f"{postgres}/{database}",
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "ogptracker.settings",
    }
    os.environ.update(env)
    for sql in (f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}"):
        subprocess.run(["psql", f"{postgres}/postgres", "-qc", sql], check=True)
    py = str(ROOT / ".venv/bin/python")
    subprocess.run([py, "manage.py", "migrate", "-v0"], check=True, cwd=ROOT, env=env)
    subprocess.run([py, "manage.py", "seed_demo"], check=True, cwd=ROOT, env=env)
    import django

    django.setup()


def plan_csv(n_commitments=1000, per_commitment=10):
    from commitments.importer import OURS

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=OURS)
    writer.writeheader()
    for c in range(1, n_commitments + 1):
        for m in range(1, per_commitment + 1):
            writer.writerow(
                {
                    "plan_number": 7, "plan_title": "Plan de referencia (bench)",
                    "plan_starts_on": "2027-01-01", "plan_ends_on": "2029-12-31",
                    "ogp_id": f"MXBNC{c:05d}", "commitment_number": c,
                    "commitment_title": f"Compromiso {c}",
                    "lead_institution": "Secretaría de la Honestidad",
                    "supporting_institutions": "Colores del Rincón; Kybernus Guanajuato",
                    "theme": "Datos abiertos", "access_to_information": "sí",
                    "civic_participation": "no", "public_accountability": "sí",
                    "technology_and_innovation": "no", "commitment_starts_on": "2027-01-01",
                    "commitment_ends_on": "2029-12-31", "milestone_number": m,
                    "milestone_title": f"Hito {m}", "milestone_starts_on": "2027-02-01",
                    "milestone_due_on": f"2028-{m:02d}-15",
                }
            )  # fmt: skip
    return out.getvalue().encode()


def bench_import():
    from django.utils import timezone

    from commitments import importer
    from states.models import State

    gto = State.objects.get(slug="guanajuato")
    data = plan_csv()
    rows = data.count(b"\n") - 1
    results = {}
    for label in ("first import", "same file again"):
        started = time.perf_counter()
        report = importer.import_plan(data, state=gto, now=timezone.now())
        seconds = time.perf_counter() - started
        results[label] = (rows, seconds, report)
        print(f"{label}: {rows} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s "
              f"(created {report.created}, unchanged {report.unchanged})")  # fmt: skip
    return results


def fill_milestones(total=200_000, states=4):
    import datetime as dt

    from django.utils import timezone

    from commitments.models import ActionPlan, Commitment, Milestone
    from commitments.services import assess_new
    from states.models import Organisation, State

    per_state = total // states
    for s in range(states):
        state = State.objects.create(
            name=f"Bench {s}", slug=f"bench-io-{s}", inegi_code=f"{40 + s}"
        )
        org = Organisation.objects.create(name=f"Dependencia {s}", kind="government", state=state)
        plan = ActionPlan.objects.create(
            state=state, number=1, title="Plan", starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2027, 12, 31),
        )  # fmt: skip
        commitments = Commitment.objects.bulk_create(
            Commitment(
                action_plan=plan, ogp_id=f"MXIO{s}{n:05d}", number=n, title=f"Compromiso {n}",
                lead_institution=org, starts_on=plan.starts_on, ends_on=plan.ends_on,
            )
            for n in range(1, per_state // 10 + 1)
        )  # fmt: skip
        Milestone.objects.bulk_create(
            (
                assess_new(Milestone(
                    commitment=c, number=m, title=f"Hito {m} del compromiso {c.number}",
                    starts_on=dt.date(2026, 1, 1), due_on=dt.date(2026, m, 28),
                ), now=timezone.now(), stale_after_days=180)
                for c in commitments
                for m in range(1, 11)
            ),
            batch_size=5000,
        )  # fmt: skip
    return per_state


def export(state_slug=None):
    from django.utils import timezone

    from api import exports
    from states.models import State

    state = State.objects.get(slug=state_slug) if state_slug else None
    rows = 0
    milestones = exports.milestone_rows(
        base_url="http://x", today=timezone.localdate(), state=state
    )
    for chunk in exports.stream_csv(milestones, exports.MILESTONE_COLUMNS):
        rows += chunk.count("\n")
    return rows - 1


def bench_export():
    per_state = fill_milestones()
    results = {}
    for label, slug in ((f"{per_state:,} rows (one state)", "bench-io-0"), ("all rows", None)):
        started = time.perf_counter()
        rows = export(slug)
        seconds = time.perf_counter() - started
        tracemalloc.start()
        export(slug)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results[label] = (rows, seconds, peak)
        print(f"export {label}: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s, "
              f"peak Python memory while streaming {peak / 2**20:.1f} MiB")  # fmt: skip
    return results


def main():
    setup("ogp_bench_io", os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
    bench_import()
    bench_export()


if __name__ == "__main__":
    main()
