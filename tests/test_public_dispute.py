"""The right of reply on the public page and in the feeds: the dispute's thread (reason,
answer, rejoinder) with dates and organisation names only, its state, and how long it has
waited for an answer, counted to the page's today."""

import datetime as dt
import re
from html import unescape

import pytest
from django.utils import translation
from django.utils.formats import date_format

from commitments import services
from tests import disputes as d
from tests.clock import NOW, TODAY

pytestmark = pytest.mark.django_db

PAGE = "/compromisos/MXGTO9004/"
PEOPLE_NAMES = ("Ana", "Beatriz", "Rosa", "oficial.guanajuato", "osc.guanajuato", "oficial.apaseo")


@pytest.fixture
def case(demo):
    m = d.milestone()
    d.people(m)
    return m


def milestone_html(client, m, path=PAGE):
    html = client.get(path).content.decode()
    start = html.index(f'id="hito-{m.number}"')
    end = html.find('<li class="milestone"', start + 1)
    return html[start : end if end > 0 else len(html)]


def spanish(day):
    with translation.override("es"):
        return date_format(day, "DATE_FORMAT")


def text_of(html):
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_an_open_dispute_shows_its_reason_and_how_long_it_has_waited(client, case):
    opened = NOW - dt.timedelta(days=23)
    d.open_dispute(case, now=opened)
    html = milestone_html(client, case)
    text = text_of(html)
    assert "status-pair disputed" in html
    assert "Disputa: En espera de la respuesta del gobierno" in text
    assert "⚠ disputa sin respuesta: 23 días" in text
    assert (
        f"Motivo de la disputa · Colores del Rincón · {spanish(opened.date())} "
        "No hay evidencia del 60 % reportado"
    ) in text


def test_the_whole_thread_with_organisations_and_dates_never_a_persons_name(client, case):
    opened = NOW - dt.timedelta(days=20)
    answered = NOW - dt.timedelta(days=12)
    maintained = NOW - dt.timedelta(days=5)
    dispute = d.open_dispute(case, now=opened)
    d.answer(dispute, now=answered, username="oficial.apaseo", text="Ver el anexo 3")
    d.close(dispute, "maintained", now=maintained, text="El anexo 3 no contiene el padrón")
    html = milestone_html(client, case)
    text = text_of(html)
    assert "Disputa: Mantenida: la organización no quedó satisfecha con la respuesta" in text
    assert "sin respuesta" not in text  # answered once: no longer waiting
    assert (
        f"Respuesta del gobierno · {d.SUPPORTER} · {spanish(answered.date())} Ver el anexo 3"
        in (text)
    )
    assert (
        f"Réplica · Colores del Rincón · {spanish(maintained.date())} "
        "El anexo 3 no contiene el padrón"
    ) in text
    thread = html[html.index("dispute-thread") :]
    for name in PEOPLE_NAMES:
        assert name not in thread, name
    assert "status-pair disputed" in html  # maintained: the mark stays


def test_a_withdrawn_dispute_is_kept_closed_and_clears_the_mark(client, case):
    dispute = d.open_dispute(case, now=NOW - dt.timedelta(days=3))
    d.answer(dispute, now=NOW - dt.timedelta(days=2))
    d.close(dispute, "withdrawn", now=NOW - dt.timedelta(days=1), text="Gracias, es correcto")
    html = milestone_html(client, case)
    assert "status-pair disputed" not in html
    assert '<details class="dispute-thread"' in html
    text = text_of(html)
    assert "Retirada: la organización quedó satisfecha con la respuesta" in text
    assert "Disputa retirada · Colores del Rincón" in text
    assert "Disputa retirada: sin verificar" in text


def test_a_new_report_closes_the_thread_on_the_page(client, case):
    d.open_dispute(case, now=NOW - dt.timedelta(days=3))
    case.refresh_from_db()
    services.report_status(
        milestone=case, membership=d.membership("oficial.guanajuato"), base_version=case.version,
        status="in_progress", progress=75, note="Nuevo avance", now=NOW,
    )  # fmt: skip
    text = text_of(milestone_html(client, case))
    assert "Cerrada: el gobierno reportó un nuevo estatus" in text
    assert "Cerrada por un nuevo reporte de estatus · Secretaría de la Honestidad" in text
    assert "sin respuesta" not in text


def test_the_thread_in_english(client, case):
    d.open_dispute(case, now=NOW - dt.timedelta(days=1))
    text = text_of(milestone_html(client, case, path="/en" + PAGE))
    assert "Dispute: Awaiting the government's answer" in text
    assert "dispute unanswered: 1 day" in text
    assert "Reason for the dispute · Colores del Rincón" in text


def test_the_days_waiting_follow_the_pages_today(client, case, settings):
    # Cached pages are keyed by day: tomorrow's page counts one more day.
    d.open_dispute(case, now=NOW)
    assert "disputa sin respuesta: 0 días" in text_of(milestone_html(client, case))
    from public.templatetags.disputes import dispute_waiting

    dispute = case.disputes.get()
    with translation.override("es"):
        assert (
            dispute_waiting(dispute, TODAY + dt.timedelta(days=1)) == "disputa sin respuesta: 1 día"
        )


def test_the_feed_tells_the_thread_and_moves_with_organisations(client, case):
    dispute = d.open_dispute(case, now=NOW - dt.timedelta(days=2))
    d.answer(dispute, now=NOW - dt.timedelta(days=1), username="oficial.apaseo")
    lead = d.membership("oficial.guanajuato")
    services.reschedule_milestone(
        milestone=case, due_on=case.due_on + dt.timedelta(days=30), now=NOW, actor=lead.user,
        organisation=lead.organisation,
    )  # fmt: skip
    feed = client.get("/compromisos/MXGTO9004/feed/").content.decode()
    assert (
        "Colores del Rincón disputa el estatus reportado de [Ejemplo ilustrativo] MXGTO9004.2"
        in feed
    )
    assert f"{d.SUPPORTER} respondió a la disputa sobre [Ejemplo ilustrativo] MXGTO9004.2" in feed
    case.refresh_from_db()
    move = (
        f"[Ejemplo ilustrativo] MXGTO9004.2 {case.title}: fecha reprogramada del "
        f"{spanish(case.original_due_on)} al {spanish(case.due_on)}"
    )
    assert move in feed
    for name in ("Ana", "Beatriz", "Rosa", "oficial.apaseo", "osc.guanajuato"):
        assert f">{name}" not in feed and f" {name} " not in feed, name


def test_the_feed_says_what_a_quiet_change_is(client, case):
    from commitments.models import Transition

    Transition.objects.create(
        milestone=case, old_signal=case.signal, new_signal="red" if case.signal != "red" else
        "green", happened_at=NOW, recorded_at=NOW, cause=Transition.Cause.METHODOLOGY,
        notified_at=NOW,
    )  # fmt: skip
    feed = client.get("/compromisos/MXGTO9004/feed/").content.decode()
    assert "Cambio de método: el semáforo de [Ejemplo ilustrativo] MXGTO9004.2" in feed
