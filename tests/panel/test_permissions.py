"""The permission matrix: every write view x every kind of person -> response and whether
anything changed. Nothing is written unless the person has the right role in the milestone's
state; anonymous people are sent to the login page, everyone else refused gets 403."""

import pytest
from django.urls import reverse

from commitments import services
from commitments.models import Evidence, HistoryEntry, StatusUpdate, Verification

from .conftest import membership, user

pytestmark = pytest.mark.django_db

PEOPLE = {
    "anonymous": None,
    "cso_here": "osc.guanajuato",
    "cso_other": "osc.nuevoleon",
    "official_here": "oficial.guanajuato",
    "official_other": "oficial.nuevoleon",
    "admin": "admin",
}


def snapshot(milestone):
    milestone.refresh_from_db()
    return {
        "version": milestone.version,
        "status": milestone.status,
        "status_updates": StatusUpdate.objects.filter(milestone=milestone).count(),
        "evidence": Evidence.objects.filter(milestone=milestone).count(),
        "retracted": Evidence.objects.filter(
            milestone=milestone, retracted_at__isnull=False
        ).count(),
        "verifications": Verification.objects.filter(milestone=milestone).count(),
        "history": HistoryEntry.objects.filter(milestone=milestone).count(),
    }


def _evidence_of(username, milestone, now):
    return services.add_link_evidence(
        milestone=milestone,
        membership=membership(username),
        url=f"https://example.org/{username}",
        title=f"Evidencia de {username}",
        now=now,
    )


# view -> (url builder, POST data, who may act)
def _cases(milestone, now):
    by_cso = _evidence_of("osc.guanajuato", milestone, now)
    by_official = _evidence_of("oficial.guanajuato", milestone, now)
    version = milestone.version
    return {
        "report_status": (
            reverse("panel:report-status", kwargs={"pk": milestone.pk}),
            {
                "status-version": version,
                "status-status": "in_progress",
                "status-progress": 90,
                "status-note": "Avance del 90 %",
            },
            {"official_here"},
        ),
        "add_evidence": (
            reverse("panel:add-evidence", kwargs={"pk": milestone.pk}),
            {"evidence-title": "Minuta", "evidence-url": "https://example.org/minuta"},
            {"official_here", "cso_here"},
        ),
        "verify": (
            reverse("panel:verify", kwargs={"pk": milestone.pk}),
            {
                "verification-version": version,
                "verification-result": "disputed",
                "verification-reason": "No hay padrón publicado",
            },
            {"cso_here"},
        ),
        "retract_cso_evidence": (
            reverse("panel:retract-evidence", kwargs={"pk": by_cso.pk}),
            {"retract-reason": "Documento equivocado"},
            {"cso_here"},
        ),
        "retract_government_evidence": (
            reverse("panel:retract-evidence", kwargs={"pk": by_official.pk}),
            {"retract-reason": "Documento equivocado"},
            {"official_here"},
        ),
    }


VIEWS = [
    "report_status",
    "add_evidence",
    "verify",
    "retract_cso_evidence",
    "retract_government_evidence",
]


@pytest.mark.parametrize("person", list(PEOPLE))
@pytest.mark.parametrize("view", VIEWS)
def test_write_view_matrix(client, gto, now, view, person):
    url, data, allowed = _cases(gto, now)[view]
    if PEOPLE[person]:
        client.force_login(user(PEOPLE[person]))
    before = snapshot(gto)

    response = client.post(url, data)

    after = snapshot(gto)
    if person in allowed:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response["Location"] == reverse("panel:milestone", kwargs={"pk": gto.pk})
        assert after != before
        assert after["history"] == before["history"] + 1
    else:
        expected = 302 if person == "anonymous" else 403
        assert response.status_code == expected
        if person == "anonymous":
            assert response["Location"].startswith(reverse("accounts:login") + "?next=")
        assert after == before


@pytest.mark.parametrize("view", VIEWS)
def test_write_views_refuse_get(client, gto, now, view):
    url, _data, _allowed = _cases(gto, now)[view]
    client.force_login(user("oficial.guanajuato"))
    before = snapshot(gto)
    assert client.get(url).status_code == 405
    assert snapshot(gto) == before


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("anonymous", 302),
        ("cso_here", 200),
        ("cso_other", 403),
        ("official_here", 200),
        ("official_other", 403),
        ("admin", 403),
    ],
)
def test_milestone_page_matrix(client, gto, person, expected):
    if PEOPLE[person]:
        client.force_login(user(PEOPLE[person]))
    response = client.get(reverse("panel:milestone", kwargs={"pk": gto.pk}))
    assert response.status_code == expected


def test_each_role_sees_only_its_forms(client, gto):
    url = reverse("panel:milestone", kwargs={"pk": gto.pk})
    client.force_login(user("oficial.guanajuato"))
    html = client.get(url).content.decode()
    assert "Reportar estatus" in html
    assert "Verificar el estatus reportado" not in html
    client.force_login(user("osc.guanajuato"))
    html = client.get(url).content.decode()
    assert "Reportar estatus" not in html
    assert "Verificar el estatus reportado" in html
    assert "Agregar evidencia" in html


def test_services_refuse_a_membership_of_another_state(gto, now):
    from django.core.exceptions import PermissionDenied

    before = snapshot(gto)
    with pytest.raises(PermissionDenied):
        services.report_status(
            milestone=gto,
            membership=membership("oficial.nuevoleon"),
            base_version=gto.version,
            status="in_progress",
            progress=90,
            note="x",
            now=now,
        )
    assert snapshot(gto) == before


def test_writes_need_the_csrf_token(gto):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user("oficial.guanajuato"))
    before = snapshot(gto)
    response = client.post(
        reverse("panel:add-evidence", kwargs={"pk": gto.pk}),
        {"evidence-title": "Minuta", "evidence-url": "https://example.org/minuta"},
    )
    assert response.status_code == 403
    assert snapshot(gto) == before
