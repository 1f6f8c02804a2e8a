#!/usr/bin/env python
"""Time and memory of an evidence upload carrying a ZIP bomb, against a normal small upload.

    .venv/bin/python bench/zip_bomb.py

Loads the demo into a fresh SQLite database in a temporary VAR_DIR (migrate + seed_demo),
then measures, each in a fresh Python process with DEBUG off, one kind of request: a CSO
member's token POSTs a file to /api/v1/milestones/<id>/evidence/ through the whole WSGI
stack (Django's test client: middleware, DRF, the upload handlers, the panel's form, the
service, commitments.archives). The kinds:

- normal: a small, valid ODT (about 1 KB), stored;
- bomb-bzip2: the issue's ODT, whose `mimetype` member inflates to 800 MB of zeros with
  bzip2 (about 850 bytes, level 9; tests/bombs.py builds it without inflating anything);
- bomb-deflate: the same 800 MB deflated (791 KB), declaring 39 bytes;
- xlsx-2gb: an XLSX whose worksheet inflates to 2 GB (2 MB), sizes declared.

For each: the answer's status; the median time of 20 requests, after one warm-up, and its
ratio to the normal upload's; the growth of the process's peak resident memory during one
request (VmHWM after it, minus VmRSS before it, with the peak reset through
/proc/self/clear_refs), and the peak of Python allocations in that request (tracemalloc,
a separate pass, since tracing slows everything down). Not a test: the figures go into
README.md ("Benchmarks").
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
KINDS = ["normal", "bomb-bzip2", "bomb-deflate", "xlsx-2gb"]
REPEAT = 20
MiB = 1024 * 1024


def environment(var_dir):
    env = {
        **os.environ,
        "VAR_DIR": str(var_dir),
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + "x" * 50,
        "ALLOWED_HOSTS": "testserver",
        "SECURE_COOKIES": "false",
        "SECURE_SSL_REDIRECT": "false",
        "DJANGO_SETTINGS_MODULE": "ogptracker.settings",
        "LOG_LEVEL": "ERROR",
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    return env


def payload(kind):
    from tests import bombs

    if kind == "normal":
        return "minuta.odt", bombs.zip_archive(
            [
                bombs.member("mimetype", bombs.ODT_MIMETYPE),
                bombs.deflated("content.xml", b"<office:document-content/>" * 40),
            ]
        )
    if kind == "bomb-bzip2":
        return "minuta.odt", bombs.odt_bomb(800_000_000, level=9)
    if kind == "bomb-deflate":
        return "minuta.odt", bombs.odt_bomb(800_000_000, method=bombs.DEFLATED, declared=39)
    return "padron.xlsx", bombs.xlsx_bomb(2048 * MiB)


def _kib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def measure(kind):
    """Runs in its own process: prints one JSON line of figures."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from accounts.models import ApiToken
    from commitments.models import Milestone

    user = get_user_model().objects.get(username="osc.guanajuato")
    key = ApiToken.issue(user=user, name="bench")[1]
    target = Milestone.objects.get(commitment__ogp_id="MXGTO9004", number=2)
    name, data = payload(kind)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    url = f"/api/v1/milestones/{target.pk}/evidence/"

    def send():
        upload = SimpleUploadedFile(name, data)
        return client.post(url, {"title": "Bench", "file": upload})

    send()  # warm-up: imports, translations, connections
    # Memory of one request: peak RSS reset, then compared with the RSS before it.
    Path("/proc/self/clear_refs").write_text("5")
    before = _kib("VmRSS")
    status = send().status_code
    rss_growth = _kib("VmHWM") - before
    tracemalloc.start()
    send()
    python_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        send()
        times.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "kind": kind,
                "bytes": len(data),
                "status": status,
                "median_ms": 1000 * statistics.median(times),
                "rss_growth_kib": rss_growth,
                "python_peak_kib": python_peak / 1024,
            }
        )
    )


def main():
    py = str(ROOT / ".venv/bin/python")
    with tempfile.TemporaryDirectory(prefix="ogp-bench-zip-") as var_dir:
        env = environment(var_dir)
        for command in (["migrate", "-v0"], ["seed_demo", "--force"]):
            subprocess.run([py, "manage.py", *command], check=True, cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL)  # fmt: skip
        results = {}
        for kind in KINDS:
            out = subprocess.run(
                [py, __file__, "--measure", kind], check=True, cwd=ROOT, env=env,
                capture_output=True, text=True,
            )  # fmt: skip
            results[kind] = json.loads(out.stdout.strip().splitlines()[-1])
    base = results["normal"]["median_ms"]
    print(f"{'request':<14} {'file':>10} {'status':>6} {'median':>9} {'vs normal':>9} "
          f"{'RSS growth':>11} {'Python peak':>12}")  # fmt: skip
    for kind, r in results.items():
        print(
            f"{kind:<14} {r['bytes']:>10,} {r['status']:>6} {r['median_ms']:>7.1f}ms "
            f"{r['median_ms'] / base:>9.2f} {r['rss_growth_kib'] / 1024:>9.1f}MB "
            f"{r['python_peak_kib'] / 1024:>10.2f}MB"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2])
    else:
        main()
