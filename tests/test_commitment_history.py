"""A commitment page tells each milestone's story once, in order: one history per milestone
(people's changes, status reports and the light together), and no "next due" that is past."""

import re

import pytest

from commitments import services
from commitments.models import HistoryEntry, Milestone
from states.models import Membership
from tests.clock import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def lit(demo_unwatched, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_stale_milestones(now=NOW)


def test_one_history_per_milestone_oldest_first(client, lit, django_capture_on_commit_callbacks):
    commitment = "MXNLE0001"
    official = Membership.objects.get(user__username="oficial.nuevoleon")
    cso = Membership.objects.get(user__username="osc.nuevoleon")
    m = Milestone.objects.get(commitment__ogp_id=commitment, number=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_status(
            milestone=m, membership=official, base_version=m.version, status="in_progress",
            progress=80, note="Primer reto publicado", now=NOW,
        )  # fmt: skip
        m.refresh_from_db()
        services.record_verification(
            milestone=m, membership=cso, base_version=m.version, result="verified", now=NOW,
        )  # fmt: skip
    html = client.get(f"/compromisos/{commitment}/").content.decode()
    assert "Bitácora de cambios" not in html
    assert HistoryEntry.objects.filter(milestone=m).count() == 2
    for m in Milestone.objects.filter(commitment__ogp_id=commitment):
        start = html.index(f'id="hito-{m.number}"')
        after = html.find('<li class="milestone"', start + 1)
        section = html[start : after if after > 0 else len(html)]
        assert section.count("<summary>Historial</summary>") == 1, m.number
        history = section[section.index('<ol class="history">') :]
        history = history[: history.index("</ol>")]
        times = re.findall(r'<time datetime="([^"]+)">', history)
        # A status report logged by a person is one line, not two.
        unlogged = m.status_updates.exclude(
            pk__in=m.history.exclude(status_update=None).values("status_update")
        ).count()
        assert len(times) == m.history.count() + m.transitions.count() + unlogged, m.number
        assert times == sorted(times), (m.number, times)
        if m.number == 3:
            assert "Estatus reportado: En proceso\n          (75 % → 80 %)" in history
            assert "Primer reto publicado" in history
            assert "Estatus verificado" in history


def test_a_reported_status_is_written_once_with_what_it_changed(client, lit):
    html = client.get("/compromisos/MXNLE0001/").content.decode()
    section = html[html.index('id="hito-2"') :]
    section = section[: section.index("</ol>")]
    assert "Sin avance → En proceso" in section
    assert section.count("Sin avance → En proceso") == 1


def test_the_earliest_open_date_of_a_late_commitment_is_not_called_next(client, lit):
    html = client.get("/estados/nuevo-leon/", {"alerta": "on"}).content.decode()
    cards = html.split('<li class="card">')[1:]
    assert cards
    for card in cards:
        assert "Próximo hito por vencer" not in card or "(vencido)" not in card
    assert any("Vencido desde" in card for card in cards)
