#!/usr/bin/env python
"""Throughput and median latency of the public pages, each as a ratio to a minimal Django view
(/ping/) served by the same gunicorn in the same run, on national-scale data in PostgreSQL.

    .venv/bin/python bench/public_pages.py              # needs PostgreSQL, Redis and wrk
    .venv/bin/python bench/public_pages.py --scale 20   # 20 times national data

It creates (and drops first) the database ogp_bench_pages, loads 32 states x 40 commitments
(times --scale) x 6 milestones x 3 evidence, computes the lights, then measures each URL with
wrk, first with the public page cache on, then off (PUBLIC_PAGE_CACHE=false) to show what the
cache buys. Then, in this process, each page uncached through Django's test client: its SQL
queries, its time, the part of it spent in SQL (from sending each query to its rows
received), and the time of its *render floor*: the same template rendered again from
the context the view built, whose query sets are already evaluated (what is left once the data
is in memory is rendering); and for the pages summing every state's share of their figures
(each share kept apart, commitments.cache.per_state), their time after a write in one state
and with no share kept. Not a test: the figures go into README.md ("Benchmarks").
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
    "state": "/estados/jalisco/",
    "commitment": "/compromisos/MXB140020/",
    "semáforo": "/semaforo/",
    "semáforo of a state": "/semaforo/?estado=jalisco",
    "institutions": "/instituciones/",
    "institution": "/instituciones/secretaria-de-salud-jalisco/",
    "report": "/estados/jalisco/reporte/",
    "search": "/buscar/?q=transparencia",
    "recently overdue": "/recien-vencidos/",
    "upcoming deadlines": "/proximos-vencimientos/",
    "open data": "/datos/",
    "how we measure": "/como-medimos/",
    # Not a public page: the site's frame (base template, header, footer, middleware) around a
    # small form and no data, to tell what the frame costs from what a page's data costs.
    "the frame: sign-in page": "/cuenta/entrar/",
}


# Pages whose figures are sums of every state's share, each share kept apart.
SHARED_BY_STATES = ("home", "institutions")


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
    parser.add_argument("--scale", type=int, default=1, help="times national data")
    parser.add_argument("--floor-repeat", type=int, default=20)
    parser.add_argument("--skip-wrk", action="store_true", help="only the in-process figures")
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
        "import django; django.setup(); from bench.national_data import load;"
        f"load(commitments={40 * args.scale});"
        "from django.utils import timezone; from commitments.services import "
        "flag_stale_milestones as f; print(f(now=timezone.now()).checked);"
        "from django.db import connection; connection.cursor().execute('ANALYZE')"
    )
    checked = run([py, "-c", loader], env=env, capture_output=True, text=True).stdout.strip()
    print(f"Loaded 32 states in {time.monotonic() - started:.0f} s ({checked} lights checked)")
    run(["redis-cli", "-u", args.redis, "flushdb"], capture_output=True)

    cached = uncached = None
    if not args.skip_wrk:
        cached = measure(env, args, "Public page cache on (the default)")
        uncached = measure({**env, "PUBLIC_PAGE_CACHE": "false"}, args, "Public page cache off")
    floor = json.loads(
        run(
            [py, str(ROOT / "bench" / "public_pages.py"), "--in-process", str(args.floor_repeat)],
            env={**env, "PUBLIC_PAGE_CACHE": "false"},
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
    )
    print("\nIn process, cache off (median of the repeats)")
    print(
        "| page | SQL queries | time | of it in SQL | render floor | the rest (queries built, "
        "rows read, view) | page throughput vs its floor |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, f in floor.items():
        # A floor that ran queries would count their time twice (in SQL and in the floor).
        assert f["floor_queries"] == 0, (name, f["floor_queries"])
        rest = f["ms"] - f["sql_ms"] - f["floor_ms"]
        print(
            f"| {name} | {f['queries']} | {f['ms']:.1f} ms | {f['sql_ms']:.1f} ms "
            f"| {f['floor_ms']:.1f} ms | {rest:.1f} ms | {f['floor_ms'] / f['ms']:.2f} |"
        )
    print("\nIn process, cache off: pages summing every state's share of their figures")
    print("| page | every share kept | one state's share written | no share kept |")
    print("|---|---|---|---|")
    for name in SHARED_BY_STATES:
        f = floor[name]
        print(
            f"| {name} | {f['ms']:.1f} ms | {f['one_state_written_ms']:.1f} ms "
            f"| {f['no_share_kept_ms']:.1f} ms |"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"public_pages-x{args.scale}.json").write_text(
        json.dumps(
            {"args": vars(args), "cached": cached, "uncached": uncached, "in_process": floor},
            indent=2,
        )
    )
    print(f"\nRaw figures: {out / f'public_pages-x{args.scale}.json'}")


def in_process(repeat):
    """Per page: SQL queries and time of an uncached request through the test client, and the
    time of rendering its template again from the context the view built (the render floor).
    Prints JSON."""
    import django

    django.setup()
    from django.db import connection
    from django.template import engines
    from django.test import Client, signals
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()  # template_rendered is sent only under the test instrumentation
    client = Client()
    results = {}
    for name, path in PAGES.items():
        if path == "/ping/":
            continue
        captured = []

        def keep(sender, template, context, captured=captured, **kwargs):
            # The page's own template renders first, its includes inside it; a template the
            # view renders on its own (a card's SVG) has no request.
            if not captured and hasattr(context, "request"):
                captured.append((template.name, context.flatten(), context.request))

        signals.template_rendered.connect(keep)
        client.get(path)  # warm: connections, translations, template loaders
        captured.clear()
        times, sql_times = [], []
        for _ in range(repeat):
            # The log keeps the last 9,000 queries: full, it counts none (indices stop moving).
            connection.queries_log.clear()
            in_sql = [0.0]

            def timed(execute, sql, params, many, context, in_sql=in_sql):
                # From sending the query to its rows received (psycopg reads them all).
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    in_sql[0] += time.perf_counter() - started

            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timed):
                response = client.get(path)
            times.append(time.perf_counter() - started)
            sql_times.append(in_sql[0])
            query_count = len(queries)  # read now: the count is a slice of the log
            assert response.status_code == 200, (path, response.status_code)
        signals.template_rendered.disconnect(keep)
        template_name, context, request = captured[0]
        template = engines["django"].get_template(template_name)
        floors = []
        for _ in range(repeat):
            connection.queries_log.clear()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as floor_queries:
                template.render(context, request)
            floors.append(time.perf_counter() - started)
            floor_query_count = len(floor_queries)
        if name in SHARED_BY_STATES:
            # Each state's share of these pages' figures is kept (commitments.cache.per_state):
            # what a write in one state costs the next view (that state's share computed
            # again), and the page with no share kept at all.
            from django.test import override_settings

            from commitments import cache

            written = []
            for _ in range(repeat):
                cache.bump_now([cache.state_scope("jalisco")])
                started = time.perf_counter()
                client.get(path)
                written.append(time.perf_counter() - started)
            with override_settings(PUBLIC_FIGURES_CACHE=False):
                fresh = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    client.get(path)
                    fresh.append(time.perf_counter() - started)
            shares = {
                "one_state_written_ms": statistics.median(written) * 1000,
                "no_share_kept_ms": statistics.median(fresh) * 1000,
            }
        else:
            shares = {}
        results[name] = {
            **shares,
            "queries": query_count,
            "ms": statistics.median(times) * 1000,
            "sql_ms": statistics.median(sql_times) * 1000,
            "floor_ms": statistics.median(floors) * 1000,
            "template": template_name,
            "floor_queries": floor_query_count,  # 0 when the context held all the data
        }
    print(json.dumps(results))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--in-process"]:
        sys.path.insert(0, str(ROOT))
        sys.exit(in_process(int(sys.argv[2])))
    sys.exit(main())
