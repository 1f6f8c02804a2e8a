"""Evidence that does not rot: links given as evidence fetched safely, kept, re-checked.

Every fetch goes to a real web server of the test's own on 127.0.0.1 (tests/local_site.py),
reachable only because the test-only setting LINK_ARCHIVE_ALLOW_PRIVATE_HOSTS lets loopback
through; the refusals of private addresses are shown with it off, and with it on for every
address that is not loopback, before any connection is made.
"""

import datetime as dt
import hashlib
import time

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import formats, timezone, translation

from commitments import services, tasks
from commitments.models import Evidence, LinkArchive
from commitments.services import link_archive
from ogptracker.celery import app as celery_app
from ops import safe_fetch
from ops.models import OutboxMessage
from tests.clock import NOW
from tests.local_site import BIG, PAGE, PDF, LocalSite
from tests.panel.conftest import membership, milestone

pytestmark = pytest.mark.django_db

LIMITS = {"max_bytes": 1000, "connect_timeout": 1, "read_timeout": 0.3, "deadline": 1.0}


@pytest.fixture
def site():
    with LocalSite() as local:
        yield local


@pytest.fixture
def archiving(settings):
    """Archiving on, against the local site, with short limits."""
    settings.LINK_ARCHIVE_ENABLED = True
    settings.LINK_ARCHIVE_ALLOW_PRIVATE_HOSTS = True
    settings.LINK_ARCHIVE_MAX_BYTES = 1000
    settings.LINK_ARCHIVE_READ_TIMEOUT = 0.3
    settings.LINK_ARCHIVE_DEADLINE = 1.0
    return settings


@pytest.fixture
def eager():
    before = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


def fetch(url, **kwargs):
    return safe_fetch.fetch(url, **{**LIMITS, "allow_loopback": True, **kwargs})


def refused(url, **kwargs):
    with pytest.raises(safe_fetch.FetchError) as error:
        fetch(url, **kwargs)
    return error.value


def spanish_date(moment):
    with translation.override("es-mx"):
        return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# The fetcher's rules, on a real server.


def test_a_page_is_fetched_whole_with_its_sha256_and_nothing_of_ours(site):
    with fetch(site.url("/pagina")) as page:
        assert page.body.read() == PAGE
        assert (page.status, page.size, page.sha256) == (200, len(PAGE), sha256(PAGE))
    with fetch(site.url("/eco")):
        pass
    sent = site.headers[-1]
    # The Host of the address, the archiver's name, nothing compressed; no cookie, no
    # credentials, nothing of the site's own.
    assert sent["Host"] == f"127.0.0.1:{site.port}"
    assert sent["User-Agent"] == "OGPTracker-archiver"
    assert sent["Accept-Encoding"] == "identity"
    assert not {"Cookie", "Authorization", "Proxy-Authorization"} & set(sent)


def test_loopback_is_refused_without_the_test_setting_and_never_connected_to(site):
    for url in (
        site.url("/pagina"),
        f"http://localhost:{site.port}/pagina",
        f"http://[::ffff:127.0.0.1]:{site.port}/pagina",
        f"http://2130706433:{site.port}/pagina",  # 127.0.0.1 as one number
    ):
        error = refused(url, allow_loopback=False)
        assert error.kind in ("refused_address", "dns"), url
    assert refused(site.url("/pagina"), allow_loopback=False).kind == "refused_address"
    assert site.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://100.64.0.1/",  # shared address space (CGNAT)
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:10.0.0.1]/",
        "https://192.0.2.10/",  # documentation range
    ],
)
def test_a_private_or_reserved_address_is_refused_before_connecting(url):
    # Even with loopback allowed, as in the tests: these are refused whatever the setting.
    assert refused(url).kind == "refused_address"


def test_a_redirect_to_a_private_address_is_refused(site):
    for target in ("http://169.254.169.254/latest/meta-data/", "http://10.1.2.3:6379/"):
        error = refused(site.url(f"/redirige?a={target}"))
        assert error.kind == "refused_address"
        assert error.url == target
    # A redirect to the site itself is followed, the new address checked like the first.
    with fetch(site.url("/redirige?a=/pagina")) as page:
        assert page.final_url == site.url("/pagina")
        assert page.redirects == [site.url("/redirige?a=/pagina")]
        assert page.body.read() == PAGE


def test_the_addresses_rules():
    public = ["8.8.8.8", "200.33.146.1", "2001:4860:4860::8888"]
    private = [
        "127.0.0.1",
        "10.9.8.7",
        "172.31.255.255",
        "192.168.0.1",
        "169.254.1.1",
        "100.127.255.254",
        "0.0.0.0",  # noqa: S104 (an address refused, not one bound to)
        "239.1.1.1",
        "240.0.0.1",
        "::1",
        "::",
        "fc00::1",
        "fe80::1%eth0",
        "ff02::1",
        "::ffff:192.168.0.1",
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "not an address",
    ]
    assert [a for a in public if not safe_fetch.is_public_address(a)] == []
    assert [a for a in private if safe_fetch.is_public_address(a)] == []


@pytest.mark.parametrize(
    "url",
    [
        "http://persona:secreto@127.0.0.1/pagina",
        "http://token@127.0.0.1/pagina",
        "ftp://127.0.0.1/archivo",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http:///sin-host",
        "http://127.0.0.1:99999/",
    ],
)
def test_an_address_with_credentials_or_another_scheme_is_not_fetched(url):
    assert refused(url).kind == "bad_url"


def test_errors_redirect_loops_and_sizes(site):
    assert (refused(site.url("/no-existe")).kind, refused(site.url("/no-existe")).status) == (
        "http_status",
        404,
    )
    assert refused(site.url("/falla")).status == 500
    assert refused(site.url("/bucle")).kind == "too_many_redirects"
    # Announced too large, or found too large while reading (no length given).
    assert refused(site.url("/grande")).kind == "too_large"
    assert refused(site.url("/grande-sin-longitud")).kind == "too_large"
    with fetch(site.url("/grande-sin-longitud"), max_bytes=BIG) as whole:
        assert whole.size == BIG


def test_a_slow_or_dripping_server_times_out_within_the_deadline(site):
    assert refused(site.url("/lenta?s=1.5")).kind == "timeout"
    started = time.monotonic()
    # A byte every 0.1 s never trips the read timeout (0.3 s): the deadline (1 s) stops it.
    assert refused(site.url("/goteo")).kind == "timeout"
    assert time.monotonic() - started < 2


# The service: checks recorded, copies kept, the broken rule.


def add_link(url, number=2, ogp_id="MXGTO9004"):
    return services.add_link_evidence(
        milestone=milestone(ogp_id, number),
        membership=membership("oficial.guanajuato"),
        url=url,
        title="Informe publicado",
        now=NOW,
    )


def check(evidence, at):
    evidence.refresh_from_db()
    return link_archive.check_link(evidence=evidence, now=at).check


@pytest.fixture
def committed_check(django_capture_on_commit_callbacks):
    """A check whose on-commit work runs (the page cache's invalidation)."""

    def run(evidence, at):
        with django_capture_on_commit_callbacks(execute=True):
            return check(evidence, at)

    return run


def test_a_link_added_is_archived_by_the_worker_through_the_outbox(
    demo, site, archiving, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        evidence = add_link(site.url("/pagina"))
        queued = OutboxMessage.objects.get(task="commitments.archive_link")
        assert queued.args == [evidence.pk]
    queued.refresh_from_db()
    assert queued.sent_at is not None
    evidence.refresh_from_db()
    copy = evidence.archive
    assert copy.outcome == "archived"
    assert (copy.sha256, copy.size, copy.http_status) == (sha256(PAGE), len(PAGE), 200)
    assert copy.content_type == "text/html"
    assert evidence.link_checked_at == copy.checked_at
    with default_storage.open(copy.file.name) as stored:
        assert stored.read() == PAGE
    # Sent twice (the outbox may): the second run finds it archived and fetches nothing.
    fetched = len(site.requests)
    tasks.archive_link(evidence.pk)
    assert len(site.requests) == fetched
    assert LinkArchive.objects.filter(evidence=evidence).count() == 1


def test_nothing_is_queued_or_fetched_when_archiving_is_off(demo, site, settings):
    settings.LINK_ARCHIVE_ENABLED = False
    add_link(site.url("/pagina"))
    assert not OutboxMessage.objects.filter(task="commitments.archive_link").exists()
    assert tasks.recheck_links() == 0
    assert site.requests == []


def test_same_content_stores_no_second_file_and_a_changed_page_a_new_copy(demo, site, archiving):
    evidence = add_link(site.url("/cambia"))
    first = check(evidence, NOW)
    second = check(evidence, NOW + dt.timedelta(days=7))
    assert (first.outcome, second.outcome) == ("archived", "unchanged")
    assert second.sha256 == first.sha256 and not second.file
    evidence.refresh_from_db()
    assert evidence.archive == first

    site.changing.append(PAGE.replace(b"avance", b"cierre"))
    third = check(evidence, NOW + dt.timedelta(days=14))
    assert third.outcome == "archived"
    assert third.sha256 == sha256(site.changing[-1]) != first.sha256
    evidence.refresh_from_db()
    assert evidence.archive == third
    # The earlier copy is kept: the record of what the page said then.
    with default_storage.open(first.file.name) as old:
        assert old.read() == PAGE
    assert LinkArchive.objects.filter(evidence=evidence).exclude(file="").count() == 2


def test_broken_after_two_failed_checks_in_a_row_dated_at_the_first(
    demo, site, archiving, client, committed_check, django_capture_on_commit_callbacks
):
    check = committed_check
    with django_capture_on_commit_callbacks(execute=True):
        evidence = add_link(site.url("/cambia"))
    check(evidence, NOW)
    page_url = reverse("public:commitment", kwargs={"ogp_id": "MXGTO9004"})
    assert "copia archivada" in client.get(page_url).content.decode()

    # The page is gone: the first failure alone does not brand it broken.
    evidence.url = site.url("/no-existe")
    Evidence.objects.filter(pk=evidence.pk).update(url=evidence.url)
    first_failure = NOW + dt.timedelta(days=7)
    failed = check(evidence, first_failure)
    assert (failed.outcome, failed.http_status) == ("http_status", 404)
    evidence.refresh_from_db()
    assert (evidence.link_failures, evidence.link_broken_since) == (1, None)
    assert "enlace roto" not in client.get(page_url).content.decode()

    # Tried again a day later: broken since the first failure. The cached page shows it.
    assert evidence in link_archive.due_links(now=first_failure + dt.timedelta(hours=25))
    check(evidence, first_failure + dt.timedelta(days=1))
    evidence.refresh_from_db()
    assert (evidence.link_failures, evidence.link_broken_since) == (2, first_failure)
    html = client.get(page_url).content.decode()
    assert f"enlace roto desde el {spanish_date(first_failure)}" in html
    # The copy from before it broke is still offered, with its date.
    copy_url = reverse("public:evidence-copy", kwargs={"pk": evidence.pk})
    assert f'href="{copy_url}">copia archivada ({spanish_date(NOW)})</a>' in html

    # A third failure keeps the first date; a good check clears it.
    check(evidence, first_failure + dt.timedelta(days=2))
    evidence.refresh_from_db()
    assert evidence.link_broken_since == first_failure
    Evidence.objects.filter(pk=evidence.pk).update(url=site.url("/cambia"))
    mended = check(evidence, first_failure + dt.timedelta(days=3))
    assert mended.outcome == "unchanged"
    evidence.refresh_from_db()
    assert (evidence.link_failures, evidence.link_broken_since) == (0, None)
    assert "enlace roto" not in client.get(page_url).content.decode()


def test_a_refused_address_is_a_failed_check_and_nothing_is_fetched(demo, site, archiving):
    evidence = add_link("http://169.254.169.254/latest/meta-data/")
    failed = check(evidence, NOW)
    assert failed.outcome == "refused_address"
    assert (failed.sha256, failed.file.name, failed.size) == ("", "", None)
    evidence.refresh_from_db()
    assert evidence.archive is None and evidence.link_failures == 1


def test_a_check_older_than_the_last_one_recorded_is_dropped(demo, site, archiving):
    evidence = add_link(site.url("/pagina"))
    check(evidence, NOW)
    assert check(evidence, NOW) is None
    assert check(evidence, NOW - dt.timedelta(hours=1)) is None
    assert LinkArchive.objects.filter(evidence=evidence).count() == 1


def test_the_weekly_check_takes_live_links_that_are_due_in_bounded_batches(demo, site, archiving):
    Evidence.objects.exclude(url="").update(link_checked_at=NOW)  # the demo's: checked
    fresh = add_link(site.url("/pagina"))
    old = add_link(site.url("/documento.pdf"), number=3)
    retracted = add_link(site.url("/cambia"), number=1)
    services.retract_evidence(
        evidence=retracted, membership=membership("oficial.guanajuato"), reason="Error", now=NOW
    )
    Evidence.objects.filter(pk=fresh.pk).update(link_checked_at=NOW - dt.timedelta(days=3))
    Evidence.objects.filter(pk=old.pk).update(link_checked_at=NOW - dt.timedelta(days=8))
    Evidence.objects.filter(pk=retracted.pk).update(link_checked_at=None)

    assert list(link_archive.due_links(now=NOW)) == [old]
    result = link_archive.recheck_links(now=NOW, limit=5)
    assert (result.checked, result.failed, result.more) == (1, 0, False)
    copy = Evidence.objects.get(pk=old.pk).archive
    assert (copy.content_type, copy.sha256) == ("application/pdf", sha256(PDF))
    # A retracted link is never fetched again.
    assert check(retracted, NOW) is None
    assert site.requests == ["/documento.pdf"]

    # More due than a batch: one batch checked, the next queued through the outbox.
    Evidence.objects.filter(pk__in=[fresh.pk, old.pk]).update(link_checked_at=None)
    archiving.LINK_ARCHIVE_BATCH = 1
    assert tasks.recheck_links(batches_left=3) == 1
    following = OutboxMessage.objects.get(task="commitments.recheck_links")
    assert following.args == [2]


# The copy, served.


def test_the_copy_of_a_page_is_shown_only_in_a_sandbox(demo, site, archiving, client):
    evidence = add_link(site.url("/pagina"))
    copy = check(evidence, NOW)
    for url in (
        f"/evidencia/{evidence.pk}/copia/",
        f"/en/evidencia/{evidence.pk}/copia/",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PAGE
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert response["X-Content-Type-Options"] == "nosniff"
        csp = response["Content-Security-Policy"]
        assert csp.startswith("sandbox;") and "default-src 'none'" in csp
        assert "script-src" not in csp
        assert response["Content-Disposition"].startswith("inline")
        assert f"{copy.checked_at:%Y-%m-%d}" in response["Content-Disposition"]


def test_the_copy_of_a_document_is_downloaded_and_a_retracted_one_not_served(
    demo, site, archiving, client
):
    evidence = add_link(site.url("/documento.pdf"))
    check(evidence, NOW)
    url = reverse("public:evidence-copy", kwargs={"pk": evidence.pk})
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF

    services.retract_evidence(
        evidence=evidence, membership=membership("oficial.guanajuato"), reason="Error", now=NOW
    )
    assert client.get(url).status_code == 410
    # A link never archived has no copy.
    never = add_link(site.url("/pagina"), number=3)
    assert client.get(reverse("public:evidence-copy", kwargs={"pk": never.pk})).status_code == 404


def test_the_api_gives_the_copy_and_the_broken_date(demo, site, archiving, client):
    evidence = add_link(site.url("/pagina"))
    data = client.get(f"/api/v1/evidence/{evidence.pk}/").json()
    assert (data["archived_at"], data["archive_url"], data["link_broken_since"]) == (
        None,
        None,
        None,
    )
    copy = check(evidence, NOW)
    Evidence.objects.filter(pk=evidence.pk).update(url=site.url("/falla"))
    check(evidence, NOW + dt.timedelta(days=7))
    check(evidence, NOW + dt.timedelta(days=8))

    data = client.get(f"/api/v1/evidence/{evidence.pk}/").json()
    assert data["archive_url"] == f"http://testserver/evidencia/{evidence.pk}/copia/"
    assert data["archive_sha256"] == copy.sha256 == sha256(PAGE)
    assert dt.datetime.fromisoformat(data["archived_at"]) == NOW
    assert dt.datetime.fromisoformat(data["link_broken_since"]) == NOW + dt.timedelta(days=7)
    assert dt.datetime.fromisoformat(data["link_checked_at"]) == NOW + dt.timedelta(days=8)


def test_the_beat_runs_the_check_every_night(settings):
    celery_app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["recheck-evidence-links"]
    assert entry["task"] == "commitments.recheck_links" in celery_app.tasks
    assert "commitments.archive_link" in celery_app.tasks
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {15}
