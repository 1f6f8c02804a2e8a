"""Load test of the production mode: `bin/serve` (gunicorn, Celery worker and beat; DEBUG off;
PostgreSQL and Redis) under locust from a second process on loopback, for a few minutes.

Citizens read public pages and download open data while officials post status updates and
civil-society staff upload evidence through the panel (bench/locustfile.py). Data: the demo
(the two states people write to) plus the 30 other states, invented (bench/national_data.py),
for pages of national size. Afterwards every update and evidence locust saw accepted is looked
up in the database: the row, its history entry and, for files, the stored bytes' SHA-256.

    make load        # installs locust (group "load"), about 5 minutes; figures in bench/results/

It is not part of `make test`: it takes minutes and its figures depend on the machine.
"""

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv/bin/python")
PASSWORD = "carga-de-prueba-2026"  # noqa: S105 (throwaway accounts of a local test)


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, cwd=ROOT, **kwargs)


def django(code, env):
    """Runs code in a configured Django process; returns what it printed (JSON)."""
    out = subprocess.run(
        [PY, "-c", "import django; django.setup()\n" + code], cwd=ROOT, env=env, capture_output=True
    )
    if out.returncode:
        raise SystemExit(out.stderr.decode())
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


PREPARE = """
import json
from django.contrib.auth import get_user_model
from commitments.models import Commitment, Milestone
from states.models import Membership
from bench import national_data
from states.models import State
# The other 30 states, beside the demo's Guanajuato and Nuevo León (load skips a state with
# a plan).
national_data.load()
# The writers are the demo's four people; its officials report on any milestone of their
# state, as a state with a small team allows (State.any_official_may_report).
State.objects.update(any_official_may_report=True)
# The demo's unfinished milestones are too few for 12 simulated writers of each role at 120
# users: each demo person also works in three of the invented states, through a membership
# of that state's own organisation of their kind (government or civil society).
from states.models import Organisation
bench_states = list(State.objects.filter(slug__in=["aguascalientes", "campeche", "colima"]))
for m in list(Membership.objects.select_related("organisation")):
    for bench_state in bench_states:
        Membership.objects.get_or_create(
            user=m.user, state=bench_state, role=m.role,
            defaults={"organisation": Organisation.objects.filter(
                state=bench_state, kind=m.organisation.kind).order_by("pk").first()},
        )
User = get_user_model()
for user in User.objects.all():
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
people = {"officials": [], "cso": []}
for m in Membership.objects.select_related("user", "state").order_by("user__username"):
    role = "officials" if m.role == "official" else "cso"
    people[role].append({"username": m.user.username, "state": m.state.slug})
writable = sorted({p["state"] for ps in people.values() for p in ps})
milestones = {
    slug: list(
        Milestone.objects.filter(commitment__action_plan__state__slug=slug)
        .exclude(status="completed")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for slug in writable
}
states = sorted(
    {*writable, *Commitment.objects.values_list("action_plan__state__slug", flat=True)[:2000]}
)
commitments = list(Commitment.objects.order_by("?").values_list("ogp_id", flat=True)[:400])
written = list(Commitment.objects.filter(action_plan__state__slug__in=writable)
               .values_list("ogp_id", flat=True))
print(json.dumps({"people": people, "writable_states": writable, "milestones": milestones,
                  "states": states, "commitments": commitments, "writable_commitments": written}))
"""

VERIFY = """
import json, hashlib
from commitments.models import Evidence, HistoryEntry, StatusUpdate
records = [json.loads(line) for line in open(RECORD) if line.strip()]
missing = []
for r in records:
    if r["kind"] == "status":
        update = StatusUpdate.objects.filter(
            milestone_id=r["milestone"], note=r["note"], new_progress=r["progress"]
        ).first()
        if update is None or not HistoryEntry.objects.filter(status_update=update).exists():
            missing.append(r)
    else:
        evidence = Evidence.objects.filter(milestone_id=r["milestone"], title=r["title"]).first()
        ok = (
            evidence is not None
            and evidence.sha256 == r["sha256"]
            and HistoryEntry.objects.filter(evidence=evidence).exists()
        )
        if ok:
            with evidence.file.open("rb") as f:
                ok = hashlib.sha256(f.read()).hexdigest() == r["sha256"]
        if not ok:
            missing.append(r)
print(json.dumps({
    "status_updates": sum(r["kind"] == "status" for r in records),
    "evidence": sum(r["kind"] == "evidence" for r in records),
    "missing": missing,
}))
"""


def wait_healthy(url, serve, timeout=300):
    deadline = time.monotonic() + timeout
    health = None
    while time.monotonic() < deadline:
        if serve.poll() is not None:
            raise SystemExit("bin/serve stopped during start; see its log")
        try:
            with urllib.request.urlopen(url + "/healthz/", timeout=5) as response:  # noqa: S310
                health = json.load(response)
                if health["status"] == "ok":
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"the site did not become healthy: {health}")


def percentile(response_times, fraction):
    """Locust's own way: the smallest bucket at or above the fraction of all requests."""
    counts = sorted((float(ms), n) for ms, n in response_times.items())
    total, seen = sum(n for _ms, n in counts), 0
    for ms, n in counts:
        seen += n
        if seen >= fraction * total:
            return ms
    return 0.0


def summarise(entries, seconds):
    """Per endpoint and in all: requests, failures, throughput, median and 95th percentile."""
    rows = []
    merged = {}
    for e in entries:
        for ms, n in e["response_times"].items():
            merged[ms] = merged.get(ms, 0) + n
        rows.append(
            row(
                e["method"],
                e["name"],
                e["num_requests"],
                e["num_failures"],
                e["response_times"],
                seconds,
            )
        )
    total = row(
        "",
        "all",
        sum(e["num_requests"] for e in entries),
        sum(e["num_failures"] for e in entries),
        merged,
        seconds,
    )
    return sorted(rows, key=lambda r: r["name"]), total


def row(method, name, requests, failures, response_times, seconds):
    return {
        "method": method,
        "name": name,
        "requests": requests,
        "failures": failures,
        "rps": round(requests / seconds, 1),
        "p50_ms": percentile(response_times, 0.50),
        "p95_ms": percentile(response_times, 0.95),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="ogp_load")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--port", type=int, default=8050)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--run-time", default="3m")
    parser.add_argument("--web-concurrency", type=int, default=3)
    args = parser.parse_args()
    if not (ROOT / ".venv/bin/locust").exists():
        raise SystemExit("locust is not installed: run `make load` (uv sync --group load)")

    var = Path(tempfile.mkdtemp(prefix="ogp-load-"))
    url = f"http://127.0.0.1:{args.port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.postgres}/{args.database}",
        "REDIS_URL": args.redis,
        "PORT": str(args.port),
        "VAR_DIR": str(var),
        "EMAIL_FILE_PATH": str(var / "mail"),
        "SITE_URL": url,
        "WEB_CONCURRENCY": str(args.web_concurrency),
        "SECRET_KEY": "load-test-" + "x" * 50,
        # One address (loopback) stands for every simulated reader: the per-address API
        # limit would turn this test into a rate-limit test.
        "API_RATE_LIMIT": "1000000/minute",
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "ogptracker.settings",
    }
    run(["psql", f"{args.postgres}/postgres", "-qc", f"DROP DATABASE IF EXISTS {args.database}"])
    run(["psql", f"{args.postgres}/postgres", "-qc", f"CREATE DATABASE {args.database}"])
    run(["redis-cli", "-u", args.redis, "flushdb"], capture_output=True)
    run([PY, "manage.py", "migrate", "-v0"], env=env)
    run([PY, "manage.py", "seed_demo", "--force"], env=env, capture_output=True)
    plan = django(f"PASSWORD = {PASSWORD!r}\n" + PREPARE, env)
    people = plan.pop("people")
    plan.update(people)
    plan["password"] = PASSWORD
    plan["users_per_person"] = math.ceil(args.users / 2)
    # Officials take the even milestones and civil society the odd ones: nobody's status
    # report waits on someone else's version.
    plan["parity"] = {"officials": 0, "cso": 1}
    (var / "plan.json").write_text(json.dumps(plan))
    record = var / "writes.jsonl"
    record.touch()
    print(
        f"Data: {len(plan['states'])} states; writers {len(plan['officials'])} officials, "
        f"{len(plan['cso'])} CSO staff on {sum(map(len, plan['milestones'].values()))} milestones"
    )

    serve_log = (var / "serve.log").open("w")
    serve = subprocess.Popen(
        ["bin/serve"],
        cwd=ROOT,
        env=env,
        stdout=serve_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_healthy(url, serve)
        warmed = warm_up(url, plan)
        print(f"Production mode up at {url}; {warmed} public pages read once (warm cache)")
        print(f"Locust: {args.users} users for {args.run_time}")
        started = time.monotonic()
        run(
            [
                str(ROOT / ".venv/bin/locust"),
                "-f",
                "bench/locustfile.py",
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                args.run_time,
                "--host",
                url,
                "--json-file",
                str(var / "locust"),
                "--only-summary",
                "--stop-timeout",
                "30",
                "--exit-code-on-error",
                "0",
            ],
            env={
                **env,
                "LOAD_PLAN": str(var / "plan.json"),
                "LOAD_RECORD": str(record),
                "LOAD_CACHE": str(var / "cache.json"),
            },
        )
        elapsed = time.monotonic() - started
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        serve.wait(timeout=60)
        serve_log.close()

    endpoints, total = summarise(json.loads((var / "locust.json").read_text()), elapsed)
    checked = django(f"RECORD = {str(record)!r}\n" + VERIFY, env)
    log_lines = (var / "serve.log").read_text().splitlines()
    server_errors = [line for line in log_lines if '"level": "ERROR"' in line]
    cache_rows = json.loads((var / "cache.json").read_text())
    cache = {}
    for group, _name, counts in cache_rows:
        totals = cache.setdefault(group, {"hit": 0, "miss": 0})
        for outcome, n in counts.items():
            totals[outcome] += n
    for totals in cache.values():
        totals["hit_ratio"] = round(totals["hit"] / ((totals["hit"] + totals["miss"]) or 1), 3)
    summary = {
        "users": args.users,
        "page_cache": cache,
        "page_cache_by_page": cache_rows,
        "run_time": args.run_time,
        "wall_seconds": round(elapsed),
        "requests": total["requests"],
        "failures": total["failures"],
        "rps": total["rps"],
        "p50_ms": total["p50_ms"],
        "p95_ms": total["p95_ms"],
        "server_errors_logged": len(server_errors),
        "status_updates_accepted": checked["status_updates"],
        "evidence_accepted": checked["evidence"],
        "writes_missing_afterwards": len(checked["missing"]),
        "endpoints": endpoints,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "load.json").write_text(json.dumps(summary, indent=2))
    print("\n| endpoint | requests | failures | p50 | p95 |\n|---|---|---|---|---|")
    for e in summary["endpoints"]:
        print(
            f"| {e['method']} {e['name']} | {e['requests']} | {e['failures']} | "
            f"{e['p50_ms']:.0f} ms | {e['p95_ms']:.0f} ms |"
        )
    print(
        f"\nTotal: {summary['requests']} requests in {summary['wall_seconds']} s, "
        f"{summary['rps']:.1f} req/s, p95 {summary['p95_ms']:.0f} ms, "
        f"{summary['failures']} failures, {len(server_errors)} server errors logged; "
        f"{checked['status_updates']} status updates and {checked['evidence']} evidence files "
        f"accepted, {len(checked['missing'])} missing afterwards."
    )
    for group, totals in sorted(cache.items()):
        print(
            f"Page cache, {group} pages: {totals['hit']} hits, "
            f"{totals['miss']} misses ({totals['hit_ratio']:.1%} hits)"
        )
    print(f"Raw figures: {out / 'load.json'}; logs in {var}")
    failed = summary["failures"] or server_errors or checked["missing"]
    return 1 if failed else 0


def warm_up(url, plan):
    """Reads once every public page the readers will ask for, as visitors before the run
    would have: the run then measures whether the pages of states nobody writes to *stay*
    cached while others are written, not how many pages are read for the first time."""
    from concurrent.futures import ThreadPoolExecutor

    paths = ["/", "/semaforo/", "/en/semaforo/"]
    for slug in plan["states"]:
        paths += [f"/estados/{slug}/", f"/estados/{slug}/?alerta=on&q=transparencia"]
    paths += [f"/compromisos/{ogp_id}/" for ogp_id in plan["commitments"]]

    def read(path):
        with urllib.request.urlopen(url + path, timeout=60) as response:  # noqa: S310 (loopback)
            response.read()

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(read, paths))
    return len(paths)


if __name__ == "__main__":
    sys.exit(main())
