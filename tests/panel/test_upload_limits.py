"""One request carries one file: a request with more is refused before anything is stored."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import ApiToken
from commitments.models import Evidence
from tests.panel.conftest import PDF_BYTES, user

pytestmark = pytest.mark.django_db


def two_pdfs():
    return [
        SimpleUploadedFile(f"acta-{n}.pdf", PDF_BYTES, content_type="application/pdf")
        for n in (1, 2)
    ]


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_the_panel_refuses_two_files_in_one_request(client, gto, settings):
    client.force_login(user("osc.guanajuato"))
    before = stored_files(settings)
    first, second = two_pdfs()
    response = client.post(
        reverse("panel:add-evidence", kwargs={"pk": gto.pk}),
        {"evidence-title": "Dos archivos", "evidence-file": first, "evidence-other": second},
    )
    assert response.status_code == 400
    assert not Evidence.objects.filter(milestone=gto).exists()
    assert stored_files(settings) == before


def test_the_api_refuses_two_files_in_one_request(client, gto, settings):
    token = ApiToken.issue(user=user("osc.guanajuato"), name="integración")[1]
    before = stored_files(settings)
    first, second = two_pdfs()
    response = client.post(
        f"/api/v1/milestones/{gto.pk}/evidence/",
        {"title": "Dos archivos", "file": first, "other": second},
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_ACCEPT_LANGUAGE="es-mx",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content) == {
        "code": "parse_error",
        "message": "Envía un solo archivo por solicitud.",
    }
    assert not Evidence.objects.filter(milestone=gto).exists()
    assert stored_files(settings) == before


def test_one_file_is_still_accepted(client, gto):
    client.force_login(user("osc.guanajuato"))
    (upload, _second) = two_pdfs()
    response = client.post(
        reverse("panel:add-evidence", kwargs={"pk": gto.pk}),
        {"evidence-title": "Un archivo", "evidence-file": upload},
    )
    assert response.status_code == 302
    assert Evidence.objects.filter(milestone=gto, title="Un archivo").exists()
