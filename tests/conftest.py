import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

# CI sets this: a test that would skip because a server, browser or tool is missing fails.
NO_SKIP = os.environ.get("OGPTRACKER_NO_SKIP", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if NO_SKIP and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipping is not allowed with OGPTRACKER_NO_SKIP=1: {reason}"


def require_tool(name):
    """Path of an executable the test needs; skip (fail under OGPTRACKER_NO_SKIP) without it."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    return path


@pytest.fixture
def redis_url():
    """The Redis server of REDIS_URL; tests that need one skip, saying so, without it."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: this test needs a Redis server")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"REDIS_URL is set but Redis does not answer: {exc}")
    return url


@pytest.fixture(scope="session")
def s3_endpoint():
    """A local S3-compatible server (moto's, in a thread): S3 itself is off this machine."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    # As committed: what it asked for at its commit (the cached pages' bump) is done.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded files of a test go to its own folder, never to var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _empty_cache():
    # Cached public pages must not leak from one test into the next.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests only need hashing to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Browser tests drive Debian's Chromium through Playwright; Playwright's own browser download
# does not work here. The page and the ORM share the test's thread, which Django allows with:
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # bypass_csp: axe-core is injected as an inline script, which the site's CSP forbids.
    context = browser.new_context(
        locale="es-MX", viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def axe():
    """Runs axe-core in a page; returns its serious and critical violations."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci)")
    source = AXE.read_text()

    def check(page):
        page.add_script_tag(content=source)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return check
