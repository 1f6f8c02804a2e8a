"""The stale job drops only the cached pages of the commitments whose milestones it turned:
the pages of a state where the clock changed nothing stay cached (commitments.cache)."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments import cache as page_cache
from commitments import rules, services
from commitments.models import Milestone
from commitments.services import light
from tests.clock import NOW

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


def _in_database(request):
    if request.param and connection.vendor != "postgresql":
        pytest.skip("the rules in SQL are PostgreSQL's (set DATABASE_URL)")
    return request.param


@pytest.fixture(params=[False, True], ids=["rules-in-python", "rules-in-sql"])
def in_database(request):
    return _in_database(request)


def _due_now(milestones):
    """Nothing is due for a check but `milestones`, each made overdue: the clock finds them."""
    Milestone.objects.update(next_check_at=NOW + dt.timedelta(days=3650))
    for m in milestones:
        Milestone.objects.filter(pk=m.pk).update(
            due_on=NOW.date() - dt.timedelta(days=10),
            status=Milestone.Status.IN_PROGRESS,
            completed_on=None,
            signal=rules.GREEN,
            light_reason=rules.ON_TRACK,
            next_check_at=NOW - dt.timedelta(minutes=1),
        )


def _unfinished(state_slug):
    return (
        Milestone.objects.filter(commitment__action_plan__state__slug=state_slug)
        .select_related("commitment")
        .order_by("pk")
    )


def test_the_clock_drops_its_commitments_pages_and_keeps_the_other_states(
    client, demo, in_database, django_capture_on_commit_callbacks
):
    milestone = _unfinished("guanajuato").first()
    _due_now([milestone])
    ogp_id = milestone.commitment.ogp_id
    other = _unfinished("nuevo-leon").first().commitment
    dropped = ["/", "/estados/guanajuato/", f"/compromisos/{ogp_id}/", "/semaforo/"]
    kept = ["/estados/nuevo-leon/", f"/compromisos/{other.ogp_id}/", "/en/estados/nuevo-leon/"]
    for url in dropped + kept:
        client.get(url)
        assert queries(client, url) == 0, url
    with django_capture_on_commit_callbacks(execute=True):
        result = services.flag_stale_milestones(now=NOW, in_database=in_database)
    assert result.checked == 1
    assert result.changed == {(rules.GREEN, rules.RED): 1}
    assert {url: queries(client, url) for url in kept} == dict.fromkeys(kept, 0)
    assert [url for url in dropped if queries(client, url) == 0] == []
    milestone.refresh_from_db()
    assert milestone.signal == rules.RED


def test_a_run_that_changes_nothing_shown_drops_nothing(
    client, demo, in_database, django_capture_on_commit_callbacks
):
    milestone = _unfinished("guanajuato").first()
    _due_now([milestone])
    services.flag_stale_milestones(now=NOW, in_database=in_database)  # red now
    Milestone.objects.filter(pk=milestone.pk).update(next_check_at=NOW - dt.timedelta(minutes=1))
    url = f"/compromisos/{milestone.commitment.ogp_id}/"
    client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.flag_stale_milestones(now=NOW, in_database=in_database)
    assert (result.checked, result.changed) == (1, {})
    assert queries(client, url) == 0


def test_a_run_that_changes_many_commitments_drops_every_page(
    client, demo, in_database, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(light, "PRECISE_INVALIDATION_LIMIT", 1)
    two = [_unfinished("guanajuato").first(), _unfinished("guanajuato").last()]
    assert two[0].commitment_id != two[1].commitment_id
    _due_now(two)
    cache.clear()
    client.get("/estados/nuevo-leon/")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.flag_stale_milestones(now=NOW, in_database=in_database)
    (bump,) = [c for c in callbacks if isinstance(c, page_cache._BumpOnCommit)]
    assert page_cache.GLOBAL in bump.scopes
    assert queries(client, "/estados/nuevo-leon/") > 0
