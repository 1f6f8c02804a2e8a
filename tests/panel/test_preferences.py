"""Public pages name organisations; a person is named only if they choose to be."""

import pytest
from django.urls import reverse

from commitments import services
from commitments.models import Milestone
from tests.clock import NOW

pytestmark = pytest.mark.django_db


def test_public_pages_name_organisations_unless_the_person_chooses(
    client, cso_gto, django_capture_on_commit_callbacks
):
    membership = cso_gto.memberships.get()
    milestone = Milestone.objects.filter(commitment__action_plan__state=membership.state)[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.add_link_evidence(
            milestone=milestone, membership=membership, url="https://example.org/oficio-123",
            title="Oficio 123", now=NOW,
        )  # fmt: skip
    cso_gto.first_name, cso_gto.last_name = "Rosa", "Vargas"
    cso_gto.save()
    page = reverse("public:commitment", kwargs={"ogp_id": milestone.commitment.ogp_id})
    html = client.get(page).content.decode()
    assert "Oficio 123" in html and str(membership.organisation) in html
    assert "Rosa Vargas" not in html

    client.force_login(cso_gto)
    response = client.get(reverse("accounts:preferences"))
    assert "Mostrar mi nombre en las páginas públicas" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:preferences"), {"language": "es-mx", "show_name_publicly": "on"}
        )
    assert response.status_code == 302
    client.logout()
    assert "Rosa Vargas" in client.get(page).content.decode()


def test_preferences_need_a_sign_in(client):
    response = client.get(reverse("accounts:preferences"))
    assert response.status_code == 302 and "entrar" in response["Location"]
