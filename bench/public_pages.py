#!/usr/bin/env python
"""Throughput and median latency of the public pages, each as a ratio to a minimal Django view
(/ping/) served by the same gunicorn in the same run, on national-scale data in PostgreSQL.

    .venv/bin/python bench/public_pages.py            # needs PostgreSQL, Redis and wrk

It creates (and drops first) the database ogp_bench_pages, loads 32 states x 40 commitments x
6 milestones x 3 evidence, computes the lights, then measures each URL with wrk, first with
the public page cache on, then off (PUBLIC_PAGE_CACHE=false) to show what the cache buys.
Not a test: the figures go into README.md ("Benchmarks").
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "minimal view (/ping/)": "/ping/",
    "home": "/",
    "state": "/estados/bench-14/",
    "commitment": "/compromisos/MXB140020/",
}


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, cwd=ROOT, **kwargs)


def wrk(url, *, duration, connections, threads):
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p50.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": float(p50.group(1)) * scale,
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def serve(env, *, port, workers):
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "ogptracker.wsgi", "-w", str(workers), "-b",
         f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ping/", timeout=1)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def measure(env, args, label):
    """Rounds of (minimal view, then each page); each page's ratio is taken against the
    minimal view of its own round, and the median over rounds is reported, so a burst of
    load from elsewhere on the machine skews one round, not the figure."""
    server = serve(env, port=args.port, workers=args.workers)
    try:
        rounds = []
        for _ in range(args.rounds):
            results = {}
            for name, path in PAGES.items():
                url = f"http://127.0.0.1:{args.port}{path}"
                for _ in range(5):  # warm up: connections, caches
                    urllib.request.urlopen(url, timeout=10).read()  # noqa: S310
                results[name] = wrk(
                    url, duration=args.duration, connections=args.connections, threads=args.threads
                )
            base = results["minimal view (/ping/)"]["rps"]
            for r in results.values():
                r["ratio"] = r["rps"] / base
            rounds.append(results)
        print(f"\n{label} (median of {args.rounds} rounds)")
        print("| page | requests/s | median latency | throughput vs minimal view |")
        print("|---|---|---|---|")
        summary = {}
        for name in PAGES:
            summary[name] = {
                k: statistics.median(r[name][k] for r in rounds) for k in ("rps", "p50_ms", "ratio")
            }
            s = summary[name]
            print(f"| {name} | {s['rps']:.0f} | {s['p50_ms']:.1f} ms | {s['ratio']:.2f} |")
        return {"rounds": rounds, "median": summary}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="ogp_bench_pages")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--port", type=int, default=8040)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")

    var = tempfile.mkdtemp(prefix="ogp-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.postgres}/{args.database}",
        "REDIS_URL": args.redis,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "VAR_DIR": var,
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "ogptracker.settings",
        # Plain http on loopback: no redirect to https, cookies not https-only.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
    }
    py = str(ROOT / ".venv/bin/python")
    run(["psql", f"{args.postgres}/postgres", "-qc", f"DROP DATABASE IF EXISTS {args.database}"])
    run(["psql", f"{args.postgres}/postgres", "-qc", f"CREATE DATABASE {args.database}"])
    run([py, "manage.py", "migrate", "-v0"], env=env)
    run([py, "manage.py", "collectstatic", "--noinput", "-v0"], env=env)
    started = time.monotonic()
    loader = (
        "import django; django.setup(); from bench.national_data import load; load();"
        "from django.utils import timezone; from commitments.services import "
        "flag_stale_milestones as f; print(f(now=timezone.now()).checked)"
    )
    checked = run([py, "-c", loader], env=env, capture_output=True, text=True).stdout.strip()
    print(f"Loaded 32 states, {checked} milestones in {time.monotonic() - started:.0f} s")
    run(["redis-cli", "-u", args.redis, "flushdb"], capture_output=True)

    cached = measure(env, args, "Public page cache on (the default)")
    uncached = measure({**env, "PUBLIC_PAGE_CACHE": "false"}, args, "Public page cache off")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "public_pages.json").write_text(
        json.dumps({"args": vars(args), "cached": cached, "uncached": uncached}, indent=2)
    )
    print(f"\nRaw figures: {out / 'public_pages.json'}")


if __name__ == "__main__":
    sys.exit(main())
