"""Deadline watch: what fell due lately and is not done (what went quiet, apart), what falls
due next, and a calendar of due dates that follows a moved date."""

import datetime as dt

import pytest
from icalendar import Calendar

from commitments import services
from tests import factories as f
from tests.clock import NOW, TODAY

pytestmark = pytest.mark.django_db


def on(days):
    return TODAY + dt.timedelta(days=days)


@pytest.fixture
def watch(db, django_capture_on_commit_callbacks):
    """A state of its own, its plan around today, and milestones due at every distance."""
    state = f.state(name="Estado Vigía", slug="estado-vigia")
    plan = f.action_plan(state, starts_on=on(-400), ends_on=on(400))
    lead = f.organisation(state, name="Secretaría Vigía")
    commitment = f.commitment(plan, lead, ogp_id="MXVIG0001", title="Compromiso vigilado")
    # Recent activity, so only dates (not silence) turn them red.
    fresh = {"last_activity_at": NOW - dt.timedelta(days=1)}

    def milestone(title, due, **kw):
        return f.milestone(
            commitment, title=title, starts_on=on(-300), due_on=on(due), now=NOW, **fresh, **kw
        )

    with django_capture_on_commit_callbacks(execute=True):  # their pages' cache emptied
        milestones = _milestones(commitment, milestone)
    return state, milestones


def _milestones(commitment, milestone):
    return {
        "3 days ago": milestone("Vencido hace 3 días", -3),
        "10 days ago": milestone("Vencido hace 10 días", -10),
        "40 days ago": milestone("Vencido hace 40 días", -40),
        "done": milestone("Completado", -5, status="completed", progress=100, completed_on=on(-6)),
        "in 10 days": milestone("Vence en 10 días", 10),
        "in 60 days": milestone("Vence en 60 días", 60),
        "undated": f.milestone(commitment, title="Sin fecha", starts_on=on(-300), due_on=None),
        # Quiet for more than a year, due in a year: red because stale, not overdue.
        "stale": f.milestone(
            commitment,
            title="Callado hace mucho",
            starts_on=on(-400),
            due_on=on(365),
            last_activity_at=NOW - dt.timedelta(days=400),
            now=NOW,
        ),  # fmt: skip
    }


def listed(html, milestones):
    return {name for name, m in milestones.items() if f">{m.title} " in html}


def test_recently_overdue_lists_what_fell_due_in_the_window_and_apart_what_went_quiet(
    client, watch
):
    state, ms = watch
    assert ms["3 days ago"].signal == "red" and ms["stale"].light_reason == "stale"
    html = client.get("/recien-vencidos/", {"estado": state.slug}).content.decode()
    overdue, quiet = html.split('id="stale-heading"')
    assert listed(overdue, ms) == {"3 days ago", "10 days ago"}
    # The stale milestone turned red long before this window: not listed.
    assert listed(quiet, ms) == set()
    week = client.get("/recien-vencidos/", {"estado": state.slug, "dias": "7"}).content.decode()
    assert listed(week.split('id="stale-heading"')[0], ms) == {"3 days ago"}
    assert "Recién vencidos" in html and "vencido: 3 días de retraso" in html


def test_a_milestone_that_went_quiet_in_the_window_is_listed_apart(client, watch):
    state, ms = watch
    # Its clock ran out ten days ago.
    quiet = f.milestone(
        ms["stale"].commitment, title="Callado hace poco", starts_on=on(-400), due_on=on(300),
        last_activity_at=NOW - dt.timedelta(days=state.stale_after_days + 10), now=NOW,
    )  # fmt: skip
    assert quiet.light_reason == "stale"
    html = client.get("/recien-vencidos/", {"estado": state.slug}).content.decode()
    overdue, stale = html.split('id="stale-heading"')
    assert "Callado hace poco" in stale and "Callado hace poco" not in overdue


def test_upcoming_deadlines_in_30_or_90_days(client, watch):
    state, ms = watch
    html = client.get("/proximos-vencimientos/", {"estado": state.slug}).content.decode()
    assert listed(html, ms) == {"in 10 days"}
    later = client.get("/proximos-vencimientos/", {"estado": state.slug, "dias": "90"})
    assert listed(later.content.decode(), ms) == {"in 10 days", "in 60 days"}
    assert f'href="/estados/{state.slug}/vencimientos.ics"' in html
    english = client.get("/en/proximos-vencimientos/", {"estado": state.slug}).content.decode()
    assert "Upcoming deadlines" in english


def test_the_calendar_has_one_event_per_dated_milestone_and_follows_a_moved_date(
    client, watch, django_capture_on_commit_callbacks
):
    state, ms = watch
    response = client.get(f"/estados/{state.slug}/vencimientos.ics")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = Calendar.from_ical(response.content).walk("VEVENT")
    dated = [m for m in ms.values() if m.due_on is not None]
    assert len(events) == len(dated)
    soon = ms["in 10 days"]
    (event,) = [e for e in events if str(e["uid"]).startswith(f"milestone-{soon.pk}@")]
    assert event.decoded("dtstart") == soon.due_on
    assert event["summary"] == f"MXVIG0001.{soon.number} Vence en 10 días"
    assert "Secretaría Vigía" in event["description"]
    assert int(event["sequence"]) == 0

    with django_capture_on_commit_callbacks(execute=True):  # the move empties the page cache
        services.reschedule_milestone(milestone=soon, due_on=on(20), now=NOW)
    events = Calendar.from_ical(client.get(f"/estados/{state.slug}/vencimientos.ics").content)
    (moved,) = [e for e in events.walk("VEVENT") if e["uid"] == event["uid"]]
    assert moved.decoded("dtstart") == on(20) and int(moved["sequence"]) == 1
    national = Calendar.from_ical(client.get("/vencimientos.ics").content).walk("VEVENT")
    assert any(e["uid"] == event["uid"] for e in national)
    assert client.get("/estados/no-existe/vencimientos.ics").status_code == 404


def test_recently_overdue_as_atom_one_entry_per_missed_date(client, watch):
    import xml.etree.ElementTree as ET

    state, ms = watch
    page = client.get("/recien-vencidos/", {"estado": state.slug}).content.decode()
    feed_url = f"/estados/{state.slug}/recien-vencidos/feed/"
    assert f'type="application/atom+xml" href="{feed_url}"' in page
    response = client.get(feed_url)
    assert response["Content-Type"].startswith("application/atom+xml")
    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    entries = root.findall(f"{atom}entry")
    titles = [e.find(f"{atom}title").text for e in entries]
    assert len(entries) == 2 and all(t.startswith("Vencido: MXVIG0001.") for t in titles)
    three = ms["3 days ago"]
    (entry,) = [e for e in entries if f"#hito-{three.number}" in e.find(f"{atom}link").get("href")]
    assert entry.find(f"{atom}id").text.endswith(f"/hitos/{three.pk}/vencido/{three.due_on}")
    assert entry.find(f"{atom}updated").text.startswith(str(three.due_on + dt.timedelta(days=1)))
    assert root.find(f"{atom}author/{atom}name").text == "OGP Tracker"
    assert client.get("/recien-vencidos/feed/").status_code == 200
    assert client.get("/estados/no-existe/recien-vencidos/feed/").status_code == 404
