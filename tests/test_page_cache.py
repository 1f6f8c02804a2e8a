"""Invalidation of the cached public pages: one explicit call from each write, one bump of the
public version per transaction, after it commits (commitments.cache)."""

import datetime as dt

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.urls import reverse

from commitments import cache as page_cache
from commitments import services
from commitments.models import Milestone
from states.models import Membership, Organisation
from tests import factories as f

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

# What reaches the cache server: one entry per call of the cache's API.
CALLS = []
API = ("get", "get_many", "set", "set_many", "add", "incr", "decr", "delete", "touch", "has_key")


class CountingCache(LocMemCache):
    """A local-memory cache that records each call of its API (not its internal ones)."""

    def __getattribute__(self, name):
        method = super().__getattribute__(name)
        if name not in API:
            return method

        def recorded(*args, **kwargs):
            outermost = not getattr(self, "_inside", False)
            if outermost:
                CALLS.append((name, args[0] if args else None))
            object.__setattr__(self, "_inside", True)
            try:
                return method(*args, **kwargs)
            finally:
                if outermost:
                    object.__setattr__(self, "_inside", False)

        return recorded


@pytest.fixture
def counted(settings):
    settings.CACHES = {"default": {"BACKEND": "tests.test_page_cache.CountingCache"}}
    CALLS.clear()
    return CALLS


@pytest.fixture
def official(django_user_model, django_capture_on_commit_callbacks):
    state = f.state()
    org = f.organisation(state)
    # Created and committed (its own bump done) before the test's writes.
    with django_capture_on_commit_callbacks(execute=True):
        milestone = f.milestone(
            f.commitment(f.action_plan(state), org),
            starts_on=dt.date(2026, 2, 1),
            due_on=dt.date(2026, 9, 30),
            now=NOW,
        )
    user = django_user_model.objects.create(username="oficial", email="oficial@example.org")
    membership = Membership.objects.create(
        user=user, state=state, organisation=org, role=Membership.Role.OFFICIAL
    )
    return milestone, membership


def report(milestone, membership, progress):
    milestone.refresh_from_db()
    return services.report_status(
        milestone=milestone,
        membership=membership,
        base_version=milestone.version,
        status=Milestone.Status.IN_PROGRESS,
        progress=progress,
        now=NOW,
    )


def bumps(callbacks):
    return [c for c in callbacks if isinstance(c, page_cache._BumpOnCommit)]


def one_bump_of(milestone):
    """The one cache call of a write to `milestone`: its commitment's, state's, lead's and the
    national versions, in one set_many."""
    commitment = milestone.commitment
    keys = {
        page_cache.version_key(scope)
        for scope in (
            page_cache.NATIONAL,
            page_cache.commitment_scope(commitment.ogp_id),
            page_cache.state_scope(commitment.action_plan.state.slug),
            page_cache.institution_scope(commitment.lead_institution.slug),
        )
    }
    return [("set_many", keys)]


def calls(counted):
    return [(name, set(arg) if name == "set_many" else arg) for name, arg in counted]


def test_a_status_report_bumps_once_after_the_commit(
    official, counted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        report(*official, progress=10)
        # Nothing reaches the cache before the commit: the history, the status update, the
        # milestone and its light are four writes, and one bump waits for the commit.
        assert counted == []
    assert len(bumps(callbacks)) == 1
    for callback in callbacks:
        callback()
    assert calls(counted) == one_bump_of(official[0])


def test_one_transaction_of_many_writes_bumps_once(
    official, counted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for progress in (10, 20, 30):
            report(*official, progress=progress)
    assert len(bumps(callbacks)) == 1
    assert calls(counted) == one_bump_of(official[0])


def test_a_rolled_back_savepoint_does_not_take_the_bump_of_the_write_that_commits(
    official, counted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                page_cache.invalidate_public_pages()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        report(*official, progress=10)
    assert len(bumps(callbacks)) == 1
    assert calls(counted) == one_bump_of(official[0])


def test_a_new_version_misses_every_cached_page(
    client, official, django_capture_on_commit_callbacks
):
    milestone, _ = official
    url = f"/compromisos/{milestone.commitment.ogp_id}/"
    first = client.get(url).content
    assert client.get(url).content == first  # served from the cache
    Milestone.objects.filter(pk=milestone.pk).update(title="Hito con nuevo nombre")
    assert b"Hito con nuevo nombre" not in client.get(url).content  # no write said so
    with django_capture_on_commit_callbacks(execute=True):
        page_cache.invalidate_public_pages()
    assert b"Hito con nuevo nombre" in client.get(url).content


def test_an_admin_edit_invalidates(
    client, official, django_user_model, django_capture_on_commit_callbacks
):
    milestone, _ = official
    lead = milestone.commitment.lead_institution
    url = f"/compromisos/{milestone.commitment.ogp_id}/"
    assert lead.name.encode() in client.get(url).content
    staff = django_user_model.objects.create_superuser("staff", "staff@example.org", "x")
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("admin:states_organisation_change", args=[lead.pk]),
            {"name": "Secretaría renombrada", "kind": lead.kind, "state": lead.state_id},
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Organisation.objects.get(pk=lead.pk).name == "Secretaría renombrada"
    assert len(bumps(callbacks)) == 1
    client.logout()
    assert "Secretaría renombrada" in client.get(url).content.decode()
