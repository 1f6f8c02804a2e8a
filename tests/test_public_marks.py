"""Issue 13's rules as a citizen reads them on the public pages: the light keeps its three
colours, and beside it its reason and the marks it does not say by itself (completed late,
in dispute, no due date, moved goalposts), on every page where the milestone or its totals
appear; and /como-medimos/ explains each rule, in Spanish and in English."""

import datetime as dt
import re

import pytest
from django.utils import translation

from commitments import methodology, services
from commitments.models import Dispute, Milestone
from states.models import Membership, Organisation
from tests import factories as f
from tests.clock import NOW, TODAY

pytestmark = pytest.mark.django_db

MONTHS = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"


def on(days):
    return TODAY + dt.timedelta(days=days)


@pytest.fixture
def world(empty_db, django_user_model, django_capture_on_commit_callbacks):
    state = f.state(name="Estado de prueba", slug="estado-de-prueba", stale_after_days=30)
    lead = f.organisation(state, name="Secretaría de Pruebas")
    cso = f.organisation(state, name="Observatorio Ciudadano", kind=Organisation.Kind.CSO)
    commitment = f.commitment(f.action_plan(state), lead, title="Compromiso de prueba")

    def member(name, organisation, role):
        user = django_user_model.objects.create_user(
            name, email=f"{name}@example.org", password="x", first_name=name.title()
        )
        return Membership.objects.create(
            user=user, state=state, organisation=organisation, role=role
        )

    def committed():
        # Writes as the site makes them: cached pages are invalidated when they commit.
        return django_capture_on_commit_callbacks(execute=True)

    return {
        "state": state,
        "commitment": commitment,
        "lead": member("oficial", lead, Membership.Role.OFFICIAL),
        "cso": member("osc", cso, Membership.Role.CSO),
        "committed": committed,
    }


def text_of(client, url):
    """The page's main content as text, tags removed and spaces collapsed."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode().split('id="main"', 1)[1].split("</main>")[0]
    html = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def section(text, title, until=None):
    """The part of a page's text from `title` to the next `until` (or to its end)."""
    rest = text.split(title, 1)[1]
    return rest.split(until, 1)[0] if until else rest


def new_milestone(world, **kw):
    with world["committed"]():
        return f.milestone(world["commitment"], **kw)


def evidence(world, m, who="lead", title="Informe publicado", url="https://example.gob.mx/i"):
    with world["committed"]():
        services.add_link_evidence(
            milestone=m, membership=world[who], url=url, title=title, now=NOW
        )


def complete(world, m, *, on_day=None):
    evidence(world, m)
    m.refresh_from_db()
    with world["committed"]():
        services.report_status(
            milestone=m, membership=world["lead"], base_version=m.version,
            status="completed", progress=100, completed_on=on_day, now=NOW,
        )  # fmt: skip
    m.refresh_from_db()
    return m


def test_civil_society_evidence_leaves_a_stale_milestone_red(client, world):
    m = new_milestone(world, title="Informe semestral de resoluciones",
        now=NOW - dt.timedelta(days=40), starts_on=on(-400), due_on=on(365),
    )  # fmt: skip
    with world["committed"]():
        services.flag_stale_milestones(now=NOW)
    evidence(
        world, m, who="cso", title="Solicitud de información sin respuesta",
        url="https://example.org/solicitud",
    )  # fmt: skip
    m.refresh_from_db()
    assert (m.signal, m.light_reason) == ("red", "stale")
    state = text_of(client, "/estados/estado-de-prueba/")
    assert "Vencidos o sin actividad 1 " in state
    semaforo = text_of(client, "/semaforo/")
    row = section(semaforo, "Informe semestral de resoluciones", "Completados con retraso")
    # The reason in words, not "0 days late": it is not overdue, it is stale.
    assert "Sin actividad del gobierno" in row
    assert " 0 " not in row and "retraso" not in row
    page = text_of(client, f"/compromisos/{world['commitment'].ogp_id}/")
    assert "Rojo · sin actividad del gobierno" in page
    assert "Solicitud de información sin respuesta" in page
    assert "Registrada por Observatorio Ciudadano" in page


def test_a_late_completion_shows_its_days_late_everywhere(client, world):
    m = new_milestone(world, title="Entrega del tablero", starts_on=on(-200), due_on=on(-100))
    # Moved after its date had passed, 38 days later; completed 62 days after the new date.
    with world["committed"]():
        services.reschedule_milestone(
            milestone=m, due_on=on(-62), now=NOW - dt.timedelta(days=90),
            actor=world["lead"].user, organisation=world["lead"].organisation,
        )  # fmt: skip
    m = complete(world, m)
    assert (m.signal, m.light_reason) == ("green", "completed_late")
    ogp_id = world["commitment"].ogp_id

    page = text_of(client, f"/compromisos/{ogp_id}/")
    milestone = section(page, "Entrega del tablero", "Historial")
    assert "Verde · completado con retraso: 62 días" in milestone
    assert "en tiempo" not in milestone
    assert "100 días de retraso respecto a la fecha original" in milestone
    assert "reprogramado una vez, 38 días después del plan original" in milestone
    assert "reprogramado después de vencer" in milestone
    # The move itself: old → new date, when, which organisation; never the person.
    old, new = on(-100), on(-62)
    assert f"{old.day} de {MONTHS.split()[old.month - 1]} de {old.year} →" in milestone
    assert f"→ {new.day} de {MONTHS.split()[new.month - 1]} de {new.year}" in milestone
    assert "Secretaría de Pruebas" in milestone and "Oficial" not in milestone

    state = text_of(client, "/estados/estado-de-prueba/")
    assert "Completados con retraso 1 " in state
    assert "Reprogramaciones 1 vez, 38 días después del plan original; 1 después de vencer" in (
        state
    )
    late = section(state, "1 hito completado con retraso", "Planes de acción")
    assert "Entrega del tablero" in late and " 62 100 " in late

    semaforo = text_of(client, "/semaforo/")
    late = section(semaforo, "1 hito completado con retraso")
    assert "Entrega del tablero" in late and " 62 100 " in late

    ranking = text_of(client, "/instituciones/")
    row = section(ranking, "Secretaría de Pruebas")
    assert "1 completado con retraso · 1 reprogramación · 38 días después del plan original" in (
        row
    )

    home = text_of(client, "/")
    assert "Completados con retraso 1 " in home
    report = text_of(client, "/estados/estado-de-prueba/reporte/")
    assert "Entrega del tablero" in section(report, "completado con retraso", "Clasificación")


def test_a_completion_on_time_is_never_marked_late(client, world):
    m = new_milestone(world, title="Hito a tiempo", starts_on=on(-200), due_on=on(10))
    complete(world, m)
    page = text_of(client, f"/compromisos/{world['commitment'].ogp_id}/")
    milestone = section(page, "Hito a tiempo", "Historial")
    assert "Verde · completado " in milestone
    assert "retraso" not in milestone
    assert "Ningún hito se completó con retraso." in text_of(client, "/semaforo/")


def test_a_disputed_completion_shows_as_disputed_until_withdrawn(client, world):
    m = complete(world, new_milestone(world, title="Padrón publicado"))
    complete(world, new_milestone(world, title="Otro hito"))
    with world["committed"]():
        services.record_verification(
            milestone=m, membership=world["cso"], base_version=m.version,
            result="disputed", reason="El padrón publicado está incompleto", now=NOW,
        )  # fmt: skip
    ogp_id = world["commitment"].ogp_id

    def pages():
        return {
            "commitment": section(
                text_of(client, f"/compromisos/{ogp_id}/"), "Padrón publicado", "Otro hito"
            ),
            "state": text_of(client, "/estados/estado-de-prueba/"),
            "ranking": text_of(client, "/instituciones/"),
            "home": text_of(client, "/"),
        }

    shown = pages()
    # The light the rules give it, marked, and the completion counted apart.
    assert "Verde · completado" in shown["commitment"]
    assert "⚠ en disputa" in shown["commitment"]
    assert "Hitos completados 100 % (1 completado, 1 en disputa)" in shown["state"]
    assert "En disputa 1 " in shown["state"]
    assert "1 completado, 1 en disputa" in shown["ranking"]
    assert "En disputa 1 " in shown["home"]

    # Answered by the government: still disputed.
    dispute = Dispute.objects.get(milestone=m)
    with world["committed"]():
        services.answer_dispute(
            dispute=dispute, membership=world["lead"], text="Ya se completó", now=NOW
        )
    assert "⚠ en disputa" in pages()["commitment"]
    # Withdrawn by the organisation that disputed it: the mark and the count go.
    with world["committed"]():
        services.close_dispute(
            dispute=dispute, membership=world["cso"], outcome="withdrawn", text="", now=NOW
        )
    shown = pages()
    assert "⚠" not in shown["commitment"]
    assert "Hitos completados 100 % (2)" in shown["state"]
    assert "En disputa 0 " in shown["state"]


def test_undated_month_only_and_empty_commitments_are_never_silently_green(client, world):
    new_milestone(world, title="Sin fecha todavía", starts_on=on(-10), due_on=None)
    month = new_milestone(world, title="Con el mes solamente", starts_on=on(-10),
        due_on=dt.date(TODAY.year + 1, 5, 31), due_precision="month",
    )  # fmt: skip
    with world["committed"]():
        empty = f.commitment(world["commitment"].action_plan, world["lead"].organisation)
    assert Milestone.objects.get(title="Sin fecha todavía").light_reason == "undated"

    page = text_of(client, f"/compromisos/{world['commitment'].ogp_id}/")
    undated = section(page, "Sin fecha todavía", "Historial")
    assert "Amarillo · sin fecha" in undated
    assert "Fecha compromiso sin fecha" in undated
    # Shown as the month the plan gives, not as a day it does not give.
    dated = section(page, "Con el mes solamente", "Historial")
    assert f"Fecha compromiso mayo de {month.due_on.year} " in dated
    assert "31 de mayo" not in dated

    state = text_of(client, "/estados/estado-de-prueba/")
    assert "Sin fecha 1 " in state
    assert "1 sin fecha" in state  # on the commitment's card
    empty_card = section(state, empty.title, "Próximo hito")
    assert "Amarillo · sin hitos" in empty_card
    assert "Amarillo · sin hitos" in text_of(client, f"/compromisos/{empty.ogp_id}/")
    assert "1 sin fecha" in section(text_of(client, "/instituciones/"), "Secretaría de Pruebas")
    assert "Sin fecha 1 " in text_of(client, "/")


@pytest.mark.parametrize(
    ("url", "phrases"),
    [
        (
            "/como-medimos/",
            [
                "Solo el trabajo del gobierno reinicia el reloj",
                "nunca reinician el reloj",
                "Un reporte que no cambia nada («sin cambios»)",
                "un clic al mes mantendría cualquier hito en verde",
                "Completado con retraso",
                "18 días respecto a la fecha vigente y 49 días respecto a la fecha original",
                "Disputas y derecho de réplica",
                "instituciones líder y de apoyo",
                "Fechas que se mueven",
                "reprogramado después de vencer",
                "vence al final de ese mes",
                "«sin hitos»",
                "Cambios de método",
            ],
        ),
        (
            "/en/como-medimos/",
            [
                "Only the government's work resets the clock",
                "never reset the clock",
                "A report that changes nothing (“no changes”)",
                "a click a month would keep any milestone green",
                "Completed late",
                "18 days against the date in force and 49 days against the original date",
                "Disputes and the right of reply",
                "lead and supporting institutions",
                "Moved goalposts",
                "rescheduled after falling due",
                "falls due at the end of that month",
                "“no milestones”",
                "Changes of method",
            ],
        ),
    ],
)
def test_the_methodology_page_explains_every_rule(client, world, url, phrases):
    text = text_of(client, url).replace("&#x27;", "'")
    for phrase in phrases:
        assert phrase in text, phrase
    # Every reason, by its code; every state of a dispute; every dated change of method.
    for code in (
        "on_track", "due_soon", "quiet", "overdue", "stale", "undated", "completed",
        "completed_late", "open", "answered", "withdrawn", "maintained", "superseded",
    ):  # fmt: skip
        assert f" {code} " in text, code
    with translation.override("en" if url.startswith("/en/") else "es-mx"):
        for change in methodology.CHANGES:
            assert f"{change.date.day} " in text and f"{change.date.year}" in text
            assert str(change.summary)[:40] in text.replace("&quot;", '"')
