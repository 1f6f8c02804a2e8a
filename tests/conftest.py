import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# CI sets this: a test that would skip because a server, browser or tool is missing fails.
# With "except-servers" (CI's run with nothing configured, as a newcomer's `make test`), only
# the tests that need PostgreSQL or Redis may skip.
_NO_SKIP = os.environ.get("OGPTRACKER_NO_SKIP", "").lower()
NO_SKIP = _NO_SKIP in {"1", "true", "yes", "except-servers"}
SERVER_SKIP = ("PostgreSQL", "REDIS_URL", "Redis server")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if NO_SKIP and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        if _NO_SKIP == "except-servers" and any(word in str(reason) for word in SERVER_SKIP):
            return
        report.outcome = "failed"
        report.longrepr = f"Skipping is not allowed with OGPTRACKER_NO_SKIP={_NO_SKIP}: {reason}"


# Property-based tests (tests/test_properties.py): few examples, the same ones every run, in
# CI and `make test`; HYPOTHESIS_PROFILE=thorough tries many more, different each time.
_FIXTURES_ARE_SHARED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
hypothesis_settings.register_profile(
    "ci",
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_FIXTURES_ARE_SHARED,
)
hypothesis_settings.register_profile(
    "thorough", max_examples=300, deadline=None, suppress_health_check=_FIXTURES_ARE_SHARED
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(items):
    # Every test of tests/browser/ drives Chromium: `make test-fast` leaves them out by marker.
    for item in items:
        if "browser" in item.path.parent.parts[-1:]:
            item.add_marker(pytest.mark.browser)


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


def _seed_demo():
    from states.entities import load_federal_entities
    from states.models import State
    from tests.clock import NOW

    # The reference data the migrations load (a transactional test's flush removed it).
    load_federal_entities(State)
    call_command("seed_demo", force=True, now=NOW, stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):
    """The test database, with the demo loaded once for the whole session (as of NOW).

    Each test runs in a transaction rolled back at its end, so every test sees the demo as
    loaded; its evidence files are kept in a folder of the session and copied into each
    test's own media folder by the `demo` fixture.
    """
    from django.test import override_settings

    media = tmp_path_factory.mktemp("demo-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as _fast_password_hashing
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast):
        _seed_demo()
    _DEMO_MEDIA.append(media)


_DEMO_MEDIA = []


@pytest.fixture
def demo(db, settings):
    """The demo data (both states, their plans, the demo people), as of tests.clock.NOW."""
    from states.models import State

    if State.objects.filter(slug="guanajuato").exists():
        shutil.copytree(_DEMO_MEDIA[0], settings.MEDIA_ROOT, dirs_exist_ok=True)
    else:  # a transactional test emptied the database before this one
        _seed_demo()


@pytest.fixture
def empty_db(db):
    """No demo: the database as a new installation has it (emptied inside the test's own
    transaction, so the next test sees the demo again)."""
    call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def staff(demo, django_user_model):
    """The demo's superuser."""
    return django_user_model.objects.get(username="admin")


@pytest.fixture
def official_gto(demo, django_user_model):
    """An official of Guanajuato's Secretaría de la Honestidad."""
    return django_user_model.objects.get(username="oficial.guanajuato")


@pytest.fixture
def cso_gto(demo, django_user_model):
    """A member of Colores del Rincón, a civil-society organisation of Guanajuato."""
    return django_user_model.objects.get(username="osc.guanajuato")


@pytest.fixture
def official_nl(demo, django_user_model):
    """An official of Nuevo León's Secretaría de Participación Ciudadana."""
    return django_user_model.objects.get(username="oficial.nuevoleon")


@pytest.fixture
def cso_nl(demo, django_user_model):
    """A member of Cómo Vamos Nuevo León."""
    return django_user_model.objects.get(username="osc.nuevoleon")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded files of a test go to its own folder, never to var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_link_fetches(settings):
    # Adding a link queues its archive (a fetch from the web): only tests/test_link_archive.py
    # turns it on, against a server of its own on 127.0.0.1.
    settings.LINK_ARCHIVE_ENABLED = False


@pytest.fixture(autouse=True)
def _empty_cache():
    # Cached public pages must not leak from one test into the next.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _no_language_from_the_last_test():
    # A request activates its language (LocaleMiddleware, and the API's Accept-Language)
    # and leaves it active in the thread: the next test's reverse() would build /en/ URLs.
    yield
    from django.utils import translation

    translation.deactivate()


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


@pytest.fixture
def demo_unwatched(demo):
    """The demo as the clock finds it after not watching (a plan loaded before its dates, the
    job stopped): every light last shown green and every milestone due for a check, so the
    next run records each light's change at its onset, as it did when it really happened."""
    import datetime as dt

    from django.db.models import F

    from commitments.models import Milestone
    from tests.clock import NOW

    # Due a day before NOW, so a worker's clock finds them whatever the hour it runs.
    Milestone.objects.update(
        signal="green", signal_since=F("last_activity_at"), next_check_at=NOW - dt.timedelta(1)
    )
