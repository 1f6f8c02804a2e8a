"""Pages bounded whatever the data: the semáforo and the institution scorecard a page at a
time (`pagina`), a state's report one page with the worst first and how many more."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Light, Milestone
from public import views
from states.models import Organisation
from tests import factories as f
from tests.clock import NOW

pytestmark = pytest.mark.django_db


def red_milestones(commitment, count, *, first_due=dt.date(2025, 1, 1)):
    """`count` red milestones, each due a day after the last (the first the most overdue)."""
    Milestone.objects.bulk_create(
        Milestone(
            commitment=commitment,
            number=n + 1,
            title=f"Hito rojo {commitment.pk}-{n + 1:04d}",
            starts_on=dt.date(2024, 1, 1),
            due_on=first_due + dt.timedelta(days=n),
            last_activity_at=NOW,
            signal=Light.RED,
            signal_since=NOW,
            next_check_at=NOW + dt.timedelta(days=365),
        )
        for n in range(count)
    )


@pytest.fixture
def big_state():
    """A state with two lead institutions: 150 red milestones for the first, 60 for the
    second; and 60 more institutions each leading a commitment."""
    state = f.state(name="Estado Grande", slug="estado-grande")
    plan = f.action_plan(state)
    first = f.organisation(state, name="Alfa Secretaría")
    second = f.organisation(state, name="Beta Secretaría")
    red_milestones(f.commitment(plan, first), 150)
    red_milestones(f.commitment(plan, second), 60, first_due=dt.date(2024, 6, 1))
    for n in range(60):
        f.commitment(plan, f.organisation(state, name=f"Zeta {n:02d}"))
    return state


def rows_of(html):
    """The red milestones listed, as "<commitment pk>-<number>"."""
    return re.findall(r"Hito rojo (\d+-\d{4})", html)


def numbers(rows):
    return [row.split("-")[1] for row in rows]


def test_the_semaforo_shows_a_page_at_a_time(client, big_state):
    url = "/en/semaforo/?estado=estado-grande&agrupar=institucion"
    html = client.get(url).content.decode()
    assert "210 milestones are overdue" in html
    assert len(rows_of(html)) == views.SEMAFORO_PAGE_SIZE
    assert "Milestones 1 to 100 of 210" in html
    # Grouped by institution, each heading gives the group's whole count, on every page.
    assert re.search(r"Alfa Secretaría <span class=\"count\">\(150\)", html)
    assert "Beta Secretaría" not in html
    assert 'href="?estado=estado-grande&amp;agrupar=institucion&amp;pagina=2"' in html
    second = client.get(url + "&pagina=2").content.decode()
    assert re.search(r"Alfa Secretaría <span class=\"count\">\(150\)", second)
    assert re.search(r"Beta Secretaría <span class=\"count\">\(60\)", second)
    third = client.get(url + "&pagina=3").content.decode()
    assert len(rows_of(third)) == 10 and "Page 3 of 3" in third
    # Every milestone once, the longest overdue first within each group.
    seen = rows_of(html) + rows_of(second) + rows_of(third)
    assert len(seen) == len(set(seen)) == 210
    assert numbers(seen[:3]) == ["0001", "0002", "0003"]  # Alfa's, the most overdue first
    assert numbers(seen[150:152]) == ["0001", "0002"]  # then Beta's


def test_the_semaforo_by_state_in_spanish(client, big_state):
    html = client.get("/semaforo/?estado=estado-grande").content.decode()
    assert "210 hitos" in html
    assert "Página 1 de 3" in html
    assert re.search(r"Estado Grande <span class=\"count\">\(210\)", html)
    # By state the most overdue of the state first: the second institution's, due earlier.
    rows = rows_of(html)
    assert numbers(rows[:60]) == [f"{n:04d}" for n in range(1, 61)]
    assert len({row.split("-")[0] for row in rows[:60]}) == 1
    assert "Beta Secretaría" in html.split("Alfa Secretaría")[0]


def test_a_page_past_the_last_shows_the_last_and_is_not_stored(client, big_state):
    url = "/en/semaforo/?estado=estado-grande&pagina=99"
    html = client.get(url).content.decode()
    assert "Page 3 of 3" in html
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert len(queries) > 0  # rendered again: not stored
    client.get("/en/semaforo/?estado=estado-grande&pagina=3")
    with CaptureQueriesContext(connection) as queries:
        client.get("/en/semaforo/?estado=estado-grande&pagina=3")
    assert len(queries) == 0


def test_the_scorecard_shows_a_page_at_a_time_with_ranks_that_go_on(client, big_state):
    html = client.get("/en/instituciones/?estado=estado-grande").content.decode()
    assert html.count("<tr>") - 1 == views.SCORECARD_PAGE_SIZE  # the head's row
    assert "Institutions 1 to 50 of 62" in html
    # The most behind first: the two with red milestones.
    assert html.index("Alfa Secretaría") < html.index("Zeta")
    second = client.get("/en/instituciones/?estado=estado-grande&pagina=2").content.decode()
    assert second.count("<tr>") - 1 == 12
    assert re.search(r'data-label="Rank">51</td>', second)
    assert re.search(r'data-label="Rank">62</td>', second)
    assert "Page 2 of 2" in second


def test_the_report_stays_one_page_with_the_worst_first(client, big_state):
    html = client.get("/en/estados/estado-grande/reporte/").content.decode()
    assert len(rows_of(html)) == views.REPORT_LIMIT
    assert "And 180 more red milestones" in html
    assert 'href="/en/semaforo/?estado=estado-grande"' in html
    # The totals count everything.
    assert re.search(r"Overdue or stale</dt><dd>210<", html)
    assert "And 32 more institutions" in html
    spanish = client.get("/estados/estado-grande/reporte/").content.decode()
    assert "Y 180 hitos rojos más" in spanish


def test_a_small_state_has_no_pages(client, demo):
    html = client.get("/semaforo/").content.decode()
    assert 'class="pagination"' not in html
    assert Organisation.objects.exists()
    assert 'class="pagination"' not in client.get("/instituciones/").content.decode()
    assert (
        " más"
        not in client.get("/estados/guanajuato/reporte/")
        .content.decode()
        .split("Hitos en rojo")[-1]
        .split("</section>")[0]
    )


def test_the_pdf_reads_the_worst_red_milestones_in_its_own_order(big_state):
    from django.utils import timezone

    from commitments import selectors
    from public import report_pdf

    today = timezone.localdate()
    # Some red milestones not overdue (stale, due later), of different ages, and ties.
    commitment = Milestone.objects.filter(commitment__action_plan__state=big_state)[0].commitment
    Milestone.objects.filter(commitment=commitment, number__gt=140).update(
        due_on=today + dt.timedelta(days=30)
    )
    Milestone.objects.filter(commitment=commitment, number__gt=145).update(
        signal_since=NOW - dt.timedelta(days=400)
    )
    every = report_pdf.worst_first(selectors.red_milestones(today=today, state=big_state))
    first = selectors.red_milestones(today=today, state=big_state, limit=215, worst_first=True)
    assert [m.pk for m in first] == [m.pk for m in every]
    assert [m.pk for m in first[:60]] == [
        m.pk
        for m in selectors.red_milestones(today=today, state=big_state, limit=60, worst_first=True)
    ]


def _deadline_state(*, due, signal, count, **fields):
    """A state of `count` unfinished milestones, the n-th due on due(n)."""
    state = f.state(name="Estado Plazos", slug="estado-plazos")
    commitment = f.commitment(f.action_plan(state), f.organisation(state, name="Gamma"))
    Milestone.objects.bulk_create(
        Milestone(
            commitment=commitment,
            number=n + 1,
            title=f"Hito rojo {commitment.pk}-{n + 1:04d}",
            starts_on=dt.date(2024, 1, 1),
            due_on=due(n),
            last_activity_at=NOW,
            signal=signal,
            signal_since=NOW,
            next_check_at=NOW + dt.timedelta(days=365),
            **fields,
        )
        for n in range(count)
    )
    return state


def test_upcoming_deadlines_a_page_at_a_time(client, db):
    from django.utils import timezone

    today = timezone.localdate()
    _deadline_state(due=lambda n: today + dt.timedelta(days=n % 28), signal=Light.GREEN, count=230)
    url = "/en/proximos-vencimientos/?estado=estado-plazos"
    html = client.get(url).content.decode()
    assert "230 milestones due soon" in html
    assert len(rows_of(html)) == views.DEADLINE_PAGE_SIZE
    assert "Milestones 1 to 100 of 230." in html
    assert 'href="?estado=estado-plazos&amp;pagina=2"' in html
    pages = [html] + [client.get(f"{url}&pagina={n}").content.decode() for n in (2, 3)]
    seen = [row for page in pages for row in rows_of(page)]
    assert len(seen) == len(set(seen)) == 230
    assert "Page 3 of 3" in pages[2]


def test_recently_overdue_a_page_at_a_time_and_the_quiet_ones_bounded(client, db):
    from django.utils import timezone

    from commitments import rules

    today = timezone.localdate()
    state = _deadline_state(
        due=lambda n: today - dt.timedelta(days=1 + n % 25), signal=Light.RED, count=130
    )
    commitment = Milestone.objects.filter(commitment__action_plan__state=state)[0].commitment
    Milestone.objects.bulk_create(
        Milestone(
            commitment=commitment,
            number=1000 + n,
            title=f"Hito callado {n:04d}",
            starts_on=dt.date(2024, 1, 1),
            due_on=today + dt.timedelta(days=200),
            last_activity_at=NOW - dt.timedelta(days=400),
            signal=Light.RED,
            light_reason=rules.STALE,
            signal_since=NOW - dt.timedelta(days=2),
            next_check_at=NOW + dt.timedelta(days=365),
        )
        for n in range(120)
    )
    url = "/en/recien-vencidos/?estado=estado-plazos"
    html = client.get(url).content.decode()
    assert "130 milestones recently overdue" in html
    assert len(rows_of(html)) == views.DEADLINE_PAGE_SIZE
    assert len(rows_of(client.get(url + "&pagina=2").content.decode())) == 30
    # The quiet ones: the first hundred, and how many in all.
    assert "120 milestones without activity" in html
    assert len(re.findall(r"Hito callado \d{4}", html)) == views.DEADLINE_PAGE_SIZE
    assert "The 100 that went quiet most recently are listed here, of 120." in html


def test_the_recently_overdue_feed_holds_the_newest_entries(client, db):
    from xml.etree import ElementTree as ET

    from django.utils import timezone

    from alerts.selectors import FEED_LENGTH

    today = timezone.localdate()
    _deadline_state(
        due=lambda n: today - dt.timedelta(days=1 + n % 25), signal=Light.RED, count=130
    )
    atom = "{http://www.w3.org/2005/Atom}"
    for url in ("/recien-vencidos/feed/", "/estados/estado-plazos/recien-vencidos/feed/"):
        root = ET.fromstring(client.get(url).content)  # noqa: S314 (our own feed)
        updated = [e.find(f"{atom}updated").text for e in root.findall(f"{atom}entry")]
        assert len(updated) == FEED_LENGTH < 130, url
        # The newest: every entry left out fell due no later than the last one kept.
        newest = sorted((today - dt.timedelta(days=1 + n % 25) for n in range(130)), reverse=True)
        last_kept = newest[FEED_LENGTH - 1] + dt.timedelta(days=1)  # dated the midnight after
        assert min(updated).startswith(str(last_kept)), url
        assert updated == sorted(updated, reverse=True), url


def test_a_commitment_shows_its_milestones_a_page_at_a_time(client, db):
    from commitments.models import Reschedule

    state = f.state(name="Estado Hitos", slug="estado-hitos")
    commitment = f.commitment(f.action_plan(state), f.organisation(state, name="Delta"))
    Milestone.objects.bulk_create(
        Milestone(
            commitment=commitment,
            number=n,
            title=f"Hito largo {n:04d}",
            starts_on=dt.date(2024, 1, 1),
            due_on=dt.date(2030, 1, 1),
            # Figures of milestones beyond the first page: completed, moved.
            status=Milestone.Status.COMPLETED if n > 200 else Milestone.Status.IN_PROGRESS,
            completed_on=dt.date(2025, 1, 1) if n > 200 else None,
            progress=100 if n > 200 else 0,
            original_due_on=dt.date(2029, 12, 31) if n == 150 else None,
            last_activity_at=NOW,
            signal=Light.GREEN,
            signal_since=NOW,
            next_check_at=NOW + dt.timedelta(days=365),
        )
        for n in range(1, 231)
    )
    moved = Milestone.objects.get(commitment=commitment, number=150)
    Reschedule.objects.create(
        milestone=moved,
        old_due_on=dt.date(2029, 12, 31),
        new_due_on=dt.date(2030, 1, 1),
        after_due=False,
        note="Prueba",
        created_at=NOW,
    )
    url = f"/en/compromisos/{commitment.ogp_id}/"

    def numbers(html):
        return [int(n) for n in re.findall(r"Hito largo (\d{4})", html)]

    pages = [client.get(url).content.decode()]
    pages += [client.get(f"{url}?pagina={n}").content.decode() for n in (2, 3)]
    assert [len(numbers(p)) for p in pages] == [views.MILESTONE_PAGE_SIZE, 100, 30]
    assert sum((numbers(p) for p in pages), []) == list(range(1, 231))
    for page in pages:  # the figures are of all 230, on every page
        assert "30 of 230 milestones completed" in page
        assert "Progress 13 %" in page
        assert "Due dates moved: 1 time, 1 day later than the original plan" in page  # no. 150
    assert "Milestones 1 to 100 of 230." in pages[0]
    assert 'href="?pagina=2"' in pages[0] and "Page 3 of 3" in pages[2]
    # A page past the last shows the last, and is not stored.
    past = f"{url}?pagina=9"
    assert numbers(client.get(past).content.decode()) == numbers(pages[2])
    with CaptureQueriesContext(connection) as queries:
        client.get(past)
    assert len(queries) > 0
    # A commitment of a handful of milestones has no pages.
    small = f.commitment(commitment.action_plan, commitment.lead_institution)
    assert "Page 1 of" not in client.get(f"/en/compromisos/{small.ogp_id}/").content.decode()
