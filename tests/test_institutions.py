"""Institutions as a citizen meets them: the scorecard, ranked by its rule and saying so, and
each institution's own page with the commitments it leads and supports."""

import datetime as dt
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from commitments import selectors, services
from states.models import Organisation
from tests import factories as f
from tests.clock import NOW, TODAY

pytestmark = pytest.mark.django_db


def html_of(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def group_light(html):
    """The light badge of an institution's own figures."""
    return html.split('class="group-light"')[1].split("</p>")[0]


def milestones(commitment, *, red=0, yellow=0, green=0, completed=0):
    """Milestones of each light, as the rules assess them at NOW."""

    def days(n):
        return TODAY + dt.timedelta(days=n)

    for _ in range(red):  # due a month ago: overdue
        f.milestone(commitment, starts_on=days(-400), due_on=days(-30))
    for _ in range(yellow):  # due within 30 days
        f.milestone(commitment, starts_on=days(-10), due_on=days(10))
    for _ in range(green):
        f.milestone(commitment, starts_on=days(-10), due_on=days(300))
    for _ in range(completed):
        f.milestone(
            commitment,
            starts_on=days(-100),
            due_on=days(300),
            status="completed",
            progress=100,
            completed_on=days(-5),
        )


@pytest.fixture
def ranked(django_capture_on_commit_callbacks):
    """Four lead institutions of one state. The old order (most overdue milestones first) put
    the large yellow one above the small red ones."""
    with django_capture_on_commit_callbacks(execute=True):  # committed, as in production
        return _ranked()


def _ranked():
    state = f.state()
    plan = f.action_plan(state)
    leads = {}
    for name, counts in {
        # 3 red of 20: 15 %, under one in five, so yellow; the most overdue milestones.
        "Grande amarilla": {"red": 3, "green": 17},
        # 1 red of 4: 25 %, red.
        "Pequeña roja": {"red": 1, "green": 2, "completed": 1},
        # 2 red of 4: 50 %, red, before the one with a smaller share.
        "Muy roja": {"red": 2, "green": 2},
        "Verde": {"green": 3, "completed": 1},
    }.items():
        leads[name] = f.organisation(state, name=name)
        milestones(f.commitment(plan, leads[name]), **counts)
    return state, leads


def test_the_scorecard_ranks_red_before_yellow_before_green(ranked):
    state, _leads = ranked
    rows = selectors.institution_scorecard(today=TODAY, state=state)
    assert [(r.name, r.light) for r in rows] == [
        ("Muy roja", "red"),
        ("Pequeña roja", "red"),
        ("Grande amarilla", "yellow"),
        ("Verde", "green"),
    ]
    assert rows[2].overdue_count > rows[0].overdue_count  # not ranked by the count any more


def test_within_a_light_the_larger_share_overdue_then_the_smaller_share_done_comes_first():
    state = f.state()
    plan = f.action_plan(state)
    # Both red with 1 red milestone in 4; the first has more of the rest completed.
    ahead = f.organisation(state, name="B adelantada")
    milestones(f.commitment(plan, ahead), red=1, completed=3)
    behind = f.organisation(state, name="C atrasada")
    milestones(f.commitment(plan, behind), red=1, green=3)
    # Red too (1 in 5, exactly the share that paints it red), but a smaller share.
    smaller = f.organisation(state, name="A menos roja")
    milestones(f.commitment(plan, smaller), red=1, green=4)
    rows = selectors.institution_scorecard(today=TODAY, state=state)
    assert [r.name for r in rows] == ["C atrasada", "B adelantada", "A menos roja"]
    assert {r.light for r in rows} == {"red"}


def test_the_scorecard_page_links_each_name_and_explains_the_rule(client, ranked):
    state, leads = ranked
    html = html_of(client, f"/instituciones/?estado={state.slug}")
    names = re.findall(r'<th scope="row"><a href="/instituciones/([\w-]+)/">([^<]+)</a></th>', html)
    assert names == [
        (leads[n].slug, n) for n in ("Muy roja", "Pequeña roja", "Grande amarilla", "Verde")
    ]
    assert "Cómo se ordena la clasificación" in html
    assert "primero las rojas, luego las amarillas y luego las verdes" in html
    assert "la mayor proporción de hitos en rojo" in html


def test_an_institution_page_shows_its_commitments_and_their_figures(client, ranked):
    state, leads = ranked
    lead = leads["Pequeña roja"]
    supported = f.commitment(f.action_plan(state), leads["Verde"], title="Compromiso apoyado")
    supported.supporting_institutions.add(lead)
    milestones(supported, yellow=2, completed=1)

    html = html_of(client, lead.get_absolute_url())
    assert "<h1>Pequeña roja</h1>" in html
    # Led: 4 milestones, 1 completed (25 %), 1 overdue, 1 red (25 %), 0 yellow, 3 green.
    figures = dict(re.findall(r"<dt>(?:.*?</span> )?([^<]+)</dt><dd>(\d+)", html))
    assert figures["Compromisos que encabeza"] == "1"
    assert figures["Hitos"] == "4"
    assert figures["Completados"] == "1"
    assert figures["Vencidos"] == "1"
    assert figures["vencidos o sin actividad"] == "1"
    assert figures["en riesgo"] == "0"
    assert figures["en tiempo o completados"] == "3"
    assert 'class="light light-red"' in group_light(html)
    # Supported: listed with its lead institution, linked, and its own figures.
    assert 'Compromisos que apoya <span class="count">(1)</span>' in html
    assert "Compromiso apoyado" in html
    assert f'href="{leads["Verde"].get_absolute_url()}"' in html
    assert "1 de 3 completados, 0 vencidos" in html
    english = html_of(client, "/en" + lead.get_absolute_url())
    assert "Commitments it leads" in english and "Commitments it supports" in english


def test_the_worst_commitment_comes_first_on_the_page(client):
    state = f.state()
    plan = f.action_plan(state)
    lead = f.organisation(state)
    green = f.commitment(plan, lead, title="Va bien")
    milestones(green, green=1)
    red = f.commitment(plan, lead, title="Va mal")
    milestones(red, red=1)
    html = html_of(client, lead.get_absolute_url())
    assert html.index("Va mal") < html.index("Va bien")


def test_unknown_or_empty_institutions_are_not_found(client, ranked):
    state, _leads = ranked
    html_of(client, "/instituciones/no-existe/", status=404)
    html_of(client, "/instituciones/%E2%80%94/", status=404)
    idle = f.organisation(state, name="Sin compromisos")
    html_of(client, idle.get_absolute_url(), status=404)
    hidden = f.state(is_active=False)
    lead = f.organisation(hidden)
    milestones(f.commitment(f.action_plan(hidden), lead), red=1)
    html_of(client, lead.get_absolute_url(), status=404)


def test_commitment_pages_link_their_lead_and_supporting_institutions(client, demo):
    from commitments.models import Commitment

    commitment = Commitment.objects.filter(supporting_institutions__isnull=False).first()
    html = html_of(client, commitment.get_absolute_url())
    lead = commitment.lead_institution
    assert f'<a href="{lead.get_absolute_url()}">{lead}</a>' in html
    for org in commitment.supporting_institutions.all():
        assert f'<a href="{org.get_absolute_url()}">{org}</a>' in html
        # The link leads to a page that lists the commitment.
        assert commitment.ogp_id in html_of(client, org.get_absolute_url())
    assert commitment.ogp_id in html_of(client, lead.get_absolute_url())


def test_the_page_is_cached_and_dropped_when_its_data_changes(
    client, ranked, django_capture_on_commit_callbacks
):
    _state, leads = ranked
    url = leads["Pequeña roja"].get_absolute_url()
    first = html_of(client, url)
    with CaptureQueriesContext(connection) as queries:
        assert html_of(client, url) == first
    assert len(queries) == 0
    commitment = leads["Pequeña roja"].led_commitments.get()
    red = commitment.milestones.get(signal="red")
    with django_capture_on_commit_callbacks(execute=True):
        services.reschedule_milestone(milestone=red, due_on=TODAY + dt.timedelta(300), now=NOW)
    again = html_of(client, url)
    assert again != first
    assert 'class="light light-red"' not in again.split("figures-heading")[1].split("</p>")[0]


def test_slugs_name_the_state_and_never_repeat(ranked):
    state, leads = ranked
    assert leads["Pequeña roja"].slug == f"pequena-roja-{state.slug}"
    national = f.organisation(None, name="Red Nacional", kind="cso")
    assert national.slug == "red-nacional"
    # A national organisation whose name spells a state one's slug does not take it.
    clash = f.organisation(None, name=f"Pequeña roja {state.name}", kind="cso")
    assert clash.slug == f"pequena-roja-{state.slug}-2"
    # A rename keeps the slug, so shared links keep working.
    national.name = "Red Nacional por la Transparencia"
    national.save()
    national.refresh_from_db()
    assert national.slug == "red-nacional"


def test_the_database_refuses_an_empty_or_repeated_slug(ranked):
    _state, leads = ranked
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=leads["Verde"].pk).update(slug="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=leads["Verde"].pk).update(slug=leads["Muy roja"].slug)


def test_the_admin_makes_the_slug_when_left_empty(client, staff):
    from django.urls import reverse

    client.force_login(staff)
    state = f.state()
    response = client.post(
        reverse("admin:states_organisation_add"),
        {"name": "Secretaría de Finanzas", "kind": "government", "state": state.pk, "slug": ""},
    )
    assert response.status_code == 302
    assert Organisation.objects.get(name="Secretaría de Finanzas").slug == (
        f"secretaria-de-finanzas-{state.slug}"
    )
