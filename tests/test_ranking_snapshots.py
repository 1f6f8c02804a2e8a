"""The ranking over time: a journalist asks whether an institution got better or worse. Each
day's figures are kept once and never changed; the scorecard compares today with 30 and 90
days ago; the rows are downloadable."""

import csv
import datetime as dt
import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from api import exports
from commitments import selectors, services, tasks
from commitments.models import RankingSnapshot
from states.models import Organisation
from tests import factories
from tests.clock import NOW

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate(NOW)


def snapshot(now=NOW):
    out = io.StringIO()
    call_command("snapshot_rankings", now=now, stdout=out)
    return out.getvalue()


def test_a_day_stores_every_state_and_institution_as_the_pages_count_them(demo):
    assert "stored" in snapshot()
    rows = {(r.kind, r.object_id): r for r in RankingSnapshot.objects.filter(date=TODAY)}
    states = selectors.states_overview(today=TODAY)
    institutions = selectors.institution_scorecard(today=TODAY)
    assert len(rows) == len(states) + len(institutions)
    for i, o in enumerate(institutions, start=1):
        row = rows[("institution", o.pk)]
        assert (row.rank, row.slug, row.red, row.yellow, row.green) == (
            i,
            o.slug,
            o.red_count,
            o.yellow_count,
            o.green_count,
        )
        assert (row.overdue, row.completed, row.milestones) == (
            o.overdue_count,
            o.completed_count,
            o.milestone_count,
        )
        assert row.share_red == pytest.approx(o.red_share, abs=1e-4)
    guanajuato = next(s for s in states if s.slug == "guanajuato")
    row = rows[("state", guanajuato.pk)]
    assert (row.red, row.light, row.state_slug) == (
        guanajuato.red_count,
        guanajuato.light,
        "guanajuato",
    )


def test_append_only_a_second_run_the_same_day_changes_nothing(demo):
    snapshot()
    before = list(RankingSnapshot.objects.order_by("pk").values())
    # The figures change later that day: the day's rows stay as they were taken.
    lead = Organisation.objects.get(slug="secretaria-de-participacion-ciudadana-nuevo-leon")
    commitment = lead.led_commitments.first()
    factories.milestone(commitment, number=99, due_on=TODAY - dt.timedelta(days=40))
    assert "already stored; nothing changed" in snapshot(NOW + dt.timedelta(hours=3))
    assert services.take_ranking_snapshots(now=NOW) == 0
    assert list(RankingSnapshot.objects.order_by("pk").values()) == before
    # The next day is a day of its own.
    assert services.take_ranking_snapshots(now=NOW + dt.timedelta(days=1)) == len(before)
    assert list(RankingSnapshot.objects.filter(date=TODAY).order_by("pk").values()) == before


def test_the_beat_takes_it_every_day(empty_db):
    """The task reads the wall clock, as the beat's tasks do."""
    schedule = settings.CELERY_BEAT_SCHEDULE["snapshot-rankings"]
    assert schedule["task"] == tasks.snapshot_rankings.name == "commitments.snapshot_rankings"
    assert (schedule["schedule"].hour, schedule["schedule"].minute) == ({4}, {15})
    state = factories.state(is_active=True)
    factories.milestone(
        factories.commitment(factories.action_plan(state), factories.organisation(state))
    )
    assert tasks.snapshot_rankings() == 2  # the state and its one institution
    assert tasks.snapshot_rankings() == 0


def past(organisation, days, red):
    """A snapshot of `organisation` taken `days` ago with `red` red milestones."""
    date = TODAY - dt.timedelta(days=days)
    return RankingSnapshot.objects.create(
        date=date, kind="institution", object_id=organisation.pk, slug=organisation.slug,
        name=organisation.name, state_name="Nuevo León", state_slug="nuevo-leon", rank=1,
        light="red", milestones=10, red=red, yellow=0, green=10 - red, overdue=red,
        completed=0, share_red=red / 10, share_overdue=red / 10, share_completed=0,
        taken_at=NOW - dt.timedelta(days=days),
    )  # fmt: skip


def test_the_scorecard_shows_the_change_against_30_and_90_days_ago(client, demo):
    rows = {r.slug: r for r in selectors.institution_scorecard(today=TODAY)}
    worse, *others = [r for r in rows.values() if r.red_count >= 1]
    past(worse, 30, worse.red_count - 2)  # two more red today than a month ago
    past(worse, 60, worse.red_count)
    past(worse, 93, worse.red_count + 1)  # none on day 90: the latest of the week before
    page = client.get("/instituciones/").content.decode()
    row = page[page.index(f'href="/instituciones/{worse.slug}/"') :]
    row = row[: row.index("</tr>")]
    assert "+2 rojos vs. hace 30 días" in row
    assert "−1 rojo vs. hace 90 días" in row
    assert '<svg class="sparkline"' in row
    other = page[page.index(f'href="/instituciones/{others[0].slug}/"') :]
    other = other[: other.index("</tr>")]
    assert "sin datos de hace 30 días" in other and "sin datos de hace 90 días" in other
    assert "sparkline" not in other


def test_a_snapshot_older_than_the_week_before_is_no_data(demo):
    rows = selectors.institution_scorecard(today=TODAY)
    past(rows[0], 38, 0)  # 30 days ago and the 7 before it hold nothing
    selectors.with_ranking_history(rows, kind="institution", today=TODAY)
    assert [c.then for c in rows[0].ranking_changes] == [None, None]
    assert rows[0].ranking_history[0] == (TODAY - dt.timedelta(days=38), 0)


def test_a_states_view_sends_to_the_national_one_for_changes(client, demo):
    page = client.get("/instituciones/?estado=guanajuato").content.decode()
    assert "vs. hace 30 días" not in page and "sin datos" not in page
    assert 'href="/instituciones/"' in page


def test_the_snapshots_are_downloadable(client, demo):
    snapshot()
    body = b"".join(client.get("/datos/clasificaciones.csv").streaming_content)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert list(rows[0]) == exports.RANKING_COLUMNS
    assert len(rows) == RankingSnapshot.objects.count()
    assert {r["kind"] for r in rows} == {"state", "institution"}
    assert all(r["date"] == TODAY.isoformat() for r in rows)
    state = client.get("/datos/guanajuato/clasificaciones.json")
    data = json.loads(b"".join(state.streaming_content))
    assert data and {r["state_slug"] for r in data} == {"guanajuato"}
    assert {"state", "institution"} == {r["kind"] for r in data}


def test_they_are_in_the_data_package_and_on_the_open_data_page(client, demo):
    package = client.get("/datos/datapackage.json").json()
    resource = next(r for r in package["resources"] if r["name"] == "clasificaciones")
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert list(fields) == exports.RANKING_COLUMNS
    assert resource["schema"]["primaryKey"] == ["date", "kind", "object_id"]
    assert fields["date"]["type"] == "date" and fields["share_red"]["type"] == "number"
    assert fields["kind"]["constraints"]["enum"] == ["state", "institution"]
    page = client.get("/datos/").content.decode()
    assert 'href="/datos/clasificaciones.csv"' in page
    assert "Diccionario de datos: clasificaciones en el tiempo" in page


def test_staff_read_them_in_the_admin_and_change_none(client, demo, django_user_model):
    snapshot()
    row = RankingSnapshot.objects.first()
    client.force_login(django_user_model.objects.get(username="admin"))
    change = client.get(f"/admin/commitments/rankingsnapshot/{row.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.get(f"/admin/commitments/rankingsnapshot/{row.pk}/delete/").status_code == 403
    assert client.get("/admin/commitments/rankingsnapshot/add/").status_code == 403
