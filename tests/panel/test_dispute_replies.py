"""The right of reply through the panel: who sees which button, the permission matrix of the
three replies (answer, withdraw, maintain), a step the dispute cannot take now, and a reply
based on an older version of the milestone."""

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments.models import Dispute, DisputeMessage, HistoryEntry
from tests import disputes as d

from .conftest import user

pytestmark = pytest.mark.django_db

PEOPLE = {
    "anonymous": None,
    "official_lead": "oficial.guanajuato",
    "official_supporting": "oficial.apaseo",
    "official_unrelated_agency": "oficial.desarrollo",
    "cso_disputing": "osc.guanajuato",
    "cso_other_organisation": "osc.kybernus",
    "official_other_state": "oficial.nuevoleon",
    "cso_other_state": "osc.nuevoleon",
    "admin": "admin",
}
OFFICIALS_WHO_ANSWER = {"official_lead", "official_supporting"}

# view -> (URL name, the dispute's state it acts on, POST data, who may act)
VIEWS = {
    "answer": (
        "panel:answer-dispute",
        "open",
        {"answer-text": "El padrón está publicado en el anexo 3"},
        OFFICIALS_WHO_ANSWER,
    ),
    "withdraw": ("panel:withdraw-dispute", "open", {"close-text": ""}, {"cso_disputing"}),
    "maintain": (
        "panel:maintain-dispute",
        "answered",
        {"close-text": "El anexo 3 no contiene el padrón"},
        {"cso_disputing"},
    ),
}


@pytest.fixture
def case(demo):
    m = d.milestone()
    d.people(m)
    return m


def snapshot(m):
    dispute = Dispute.objects.filter(milestone=m).order_by("-id").first()
    return {
        "state": dispute.state if dispute else None,
        "messages": DisputeMessage.objects.filter(dispute__milestone=m).count(),
        "history": HistoryEntry.objects.filter(milestone=m).count(),
    }


def dispute_in(m, state, now):
    dispute = d.open_dispute(m, now=now)
    if state == "answered":
        d.answer(dispute, now=now)
    return dispute


@pytest.mark.parametrize("person", list(PEOPLE))
@pytest.mark.parametrize("view", list(VIEWS))
def test_reply_matrix(client, case, view, person):
    url_name, state, data, allowed = VIEWS[view]
    dispute_in(case, state, timezone.now())
    if PEOPLE[person]:
        client.force_login(user(PEOPLE[person]))
    before = snapshot(case)

    response = client.post(
        reverse(url_name, kwargs={"pk": case.pk}),
        {**data, f"{data_prefix(data)}-version": version(case)},
    )

    after = snapshot(case)
    if person in allowed:
        assert response.status_code == 302, response.content.decode()[:3000]
        assert response["Location"] == reverse("panel:milestone", kwargs={"pk": case.pk})
        assert after["messages"] == before["messages"] + 1
        assert after["history"] == before["history"] + 1
        expected = {"answer": "answered", "withdraw": "withdrawn", "maintain": "maintained"}
        assert after["state"] == expected[view]
    else:
        assert response.status_code == (302 if person == "anonymous" else 403)
        if person == "anonymous":
            assert response["Location"].startswith(reverse("accounts:login") + "?next=")
        assert after == before


def data_prefix(data):
    return next(iter(data)).split("-")[0]


def version(m):
    m.refresh_from_db()
    return m.version


@pytest.mark.parametrize("view", list(VIEWS))
def test_replies_refuse_get(client, case, view):
    url_name, state, _data, _allowed = VIEWS[view]
    dispute_in(case, state, timezone.now())
    client.force_login(user("oficial.guanajuato"))
    assert client.get(reverse(url_name, kwargs={"pk": case.pk})).status_code == 405


def test_a_milestone_never_disputed_has_nothing_to_reply_to(client, case):
    client.force_login(user("oficial.guanajuato"))
    response = client.post(
        reverse("panel:answer-dispute", kwargs={"pk": case.pk}),
        {"answer-version": version(case), "answer-text": "Respuesta"},
    )
    assert response.status_code == 404
    assert not DisputeMessage.objects.filter(dispute__milestone=case).exists()


def page(client, m, username):
    client.force_login(user(username))
    return client.get(reverse("panel:milestone", kwargs={"pk": m.pk})).content.decode()


def test_each_side_sees_only_its_buttons(client, case):
    dispute = dispute_in(case, "open", timezone.now())
    lead = page(client, case, "oficial.guanajuato")
    assert "Responder la disputa" in lead
    assert ">Responder</button>" in lead
    assert "Retirar</button>" not in lead
    assert "disputa sin respuesta: 0 días" in lead
    # An official of an agency that neither leads nor supports reads the thread, no button.
    unrelated = page(client, case, "oficial.desarrollo")
    assert "No hay evidencia del 60 % reportado" in unrelated
    assert "Responder</button>" not in unrelated
    # The disputing organisation may withdraw an open dispute, not yet maintain it.
    cso = page(client, case, "osc.guanajuato")
    assert "Retirar</button>" in cso
    assert "Mantener</button>" not in cso
    assert "Responder</button>" not in cso
    assert "Retirar</button>" not in page(client, case, "osc.kybernus")

    d.answer(dispute, now=timezone.now())
    cso = page(client, case, "osc.guanajuato")
    assert "Replicar la respuesta" in cso
    assert "Retirar</button>" in cso
    assert f'formaction="/panel/hitos/{case.pk}/disputa/mantener/"' in cso
    assert "Mantener</button>" in cso
    # The panel names who wrote each step, beside the organisation.
    assert "Ana, Secretaría de la Honestidad" in cso
    lead = page(client, case, "oficial.guanajuato")
    assert "Responder</button>" not in lead  # answered: the next step is the organisation's

    d.close(dispute, "maintained", now=timezone.now(), text="No basta")
    assert "Responder</button>" in page(client, case, "oficial.apaseo")  # may answer again
    assert "Retirar</button>" not in page(client, case, "osc.guanajuato")


def test_maintaining_needs_a_rejoinder_and_an_answer_first(client, case):
    dispute = dispute_in(case, "open", timezone.now())
    client.force_login(user("osc.guanajuato"))
    url = reverse("panel:maintain-dispute", kwargs={"pk": case.pk})
    before = snapshot(case)
    # Open, not answered yet: nothing to maintain against.
    response = client.post(url, {"close-version": version(case), "close-text": "No basta"})
    assert response.status_code == 400
    assert "Esta disputa no admite ese paso ahora." in response.content.decode()
    assert snapshot(case) == before
    d.answer(dispute, now=timezone.now())
    before = snapshot(case)
    response = client.post(url, {"close-version": version(case), "close-text": "  "})
    assert response.status_code == 400
    assert "Di por qué la respuesta no resuelve la disputa." in response.content.decode()
    assert snapshot(case) == before


def test_answering_a_dispute_already_answered_is_refused(client, case):
    dispute = dispute_in(case, "answered", timezone.now())
    client.force_login(user("oficial.apaseo"))
    before = snapshot(case)
    response = client.post(
        reverse("panel:answer-dispute", kwargs={"pk": case.pk}),
        {"answer-version": version(case), "answer-text": "Otra respuesta"},
    )
    assert response.status_code == 400
    assert "Esta disputa no está en espera de respuesta." in response.content.decode()
    assert snapshot(case) == before
    dispute.refresh_from_db()
    assert dispute.state == "answered"


def test_a_withdrawn_dispute_cannot_be_withdrawn_again(client, case):
    dispute = dispute_in(case, "open", timezone.now())
    d.close(dispute, "withdrawn", now=timezone.now())
    client.force_login(user("osc.guanajuato"))
    before = snapshot(case)
    response = client.post(
        reverse("panel:withdraw-dispute", kwargs={"pk": case.pk}),
        {"close-version": version(case), "close-text": ""},
    )
    assert response.status_code == 400
    assert snapshot(case) == before


def test_a_reply_to_a_dispute_a_new_report_closed_is_a_conflict(client, case):
    now = timezone.now()
    dispute_in(case, "open", now)
    seen = version(case)
    from commitments import services

    services.report_status(
        milestone=case, membership=d.membership("oficial.guanajuato"), base_version=seen,
        status="in_progress", progress=70, note="Nuevo avance", now=now,
    )  # fmt: skip
    client.force_login(user("oficial.guanajuato"))
    before = snapshot(case)
    response = client.post(
        reverse("panel:answer-dispute", kwargs={"pk": case.pk}),
        {"answer-version": seen, "answer-text": "Respuesta a la disputa anterior"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Tu cambio no se guardó" in html
    assert "Nuevo avance" in html
    assert snapshot(case) == before
    assert before["state"] == "superseded"


def test_replies_need_the_csrf_token(case):
    from django.test import Client

    dispute_in(case, "open", timezone.now())
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("oficial.guanajuato"))
    before = snapshot(case)
    response = client.post(
        reverse("panel:answer-dispute", kwargs={"pk": case.pk}),
        {"answer-version": version(case), "answer-text": "Respuesta"},
    )
    assert response.status_code == 403
    assert snapshot(case) == before
