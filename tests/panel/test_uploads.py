"""Evidence files: the type is read from the content, refused files are never stored, the
SHA-256 is computed while storing, and downloads are never run by the browser."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commitments.models import Evidence, HistoryEntry

from .conftest import PDF_BYTES, PNG_BYTES, user, zip_bytes

pytestmark = pytest.mark.django_db

ODF = "application/vnd.oasis.opendocument."
ACCEPTED = {
    "informe.pdf": (PDF_BYTES, "application/pdf", "document"),
    "foto.png": (PNG_BYTES, "image/png", "photo"),
    "foto.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 30, "image/jpeg", "photo"),
    "foto.webp": (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 30, "image/webp", "photo"),
    "minuta.docx": (
        zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "document",
    ),
    "padron.xlsx": (
        zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "dataset",
    ),
    "minuta.odt": (
        zip_bytes({"mimetype": ODF + "text", "content.xml": "<office:document-content/>"}),
        ODF + "text",
        "document",
    ),
    "padron.ods": (
        zip_bytes({"mimetype": ODF + "spreadsheet", "content.xml": "<x/>"}),
        ODF + "spreadsheet",
        "dataset",
    ),
    "padron.csv": (
        "municipio,beneficiarias\nApaseo el Alto,1204\nLeón,15320\n".encode(),
        "text/csv",
        "dataset",
    ),
}

REFUSED = {
    # name -> (content, words the Spanish message must contain)
    "pagina.html": (b"<!DOCTYPE html><html><body>hola</body></html>", "página web"),
    "pagina-disfrazada.pdf": (b"<html><script>alert(1)</script></html>", "página web"),
    "dibujo.svg": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>',
        "página web",
    ),
    "dibujo-disfrazado.png": (b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "SVG"),
    "script.pdf": (b"#!/bin/sh\nrm -rf /\n", "script"),
    "programa.pdf": (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60, "programa"),
    "programa-linux.docx": (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "programa"),
    "archivo.docx": (zip_bytes({"payload.exe": b"MZ"}), "ZIP"),
    "datos.csv": (b"nombre,monto\n\xff\xfe\xfa,1\n", "no se acepta"),
    "animacion.gif": (b"GIF89a" + b"\x00" * 30, "no se acepta"),
    "vacio.pdf": (b"", "vacío"),
}


def post_file(client, milestone, name, content):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(
        reverse("panel:add-evidence", kwargs={"pk": milestone.pk}),
        {"evidence-title": f"Archivo {name}", "evidence-file": upload},
    )


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_each_accepted_type_is_stored_with_its_hash(client, gto, settings, name):
    content, content_type, kind = ACCEPTED[name]
    client.force_login(user("osc.guanajuato"))

    response = post_file(client, gto, name, content)

    assert response.status_code == 302
    evidence = Evidence.objects.get(milestone=gto, title=f"Archivo {name}")
    assert evidence.content_type == content_type
    assert evidence.kind == kind
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.size == len(content)
    assert evidence.original_filename == name
    # Stored under a random name, not the uploader's.
    assert name not in evidence.file.name
    assert evidence.file.read() == content
    assert HistoryEntry.objects.filter(evidence=evidence, action="evidence_added").count() == 1


@pytest.mark.parametrize("name", list(REFUSED))
def test_each_refused_type_is_not_stored(client, gto, settings, name):
    content, words = REFUSED[name]
    client.force_login(user("oficial.guanajuato"))
    files_before = stored_files(settings)

    response = post_file(client, gto, name, content)

    assert response.status_code == 400
    html = response.content.decode()
    assert words in html, html[html.find("errorlist") - 200 : html.find("errorlist") + 600]
    assert not Evidence.objects.filter(milestone=gto).exists()
    assert stored_files(settings) == files_before


def test_oversized_file_is_refused_before_it_is_stored(client, gto, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    client.force_login(user("oficial.guanajuato"))
    files_before = stored_files(settings)

    response = post_file(client, gto, "grande.pdf", PDF_BYTES + b"0" * 2048)

    assert response.status_code == 400
    html = response.content.decode()
    assert "El archivo pesa más de 1.0\xa0KB, el máximo aceptado" in html
    assert "Adjunta un archivo o una liga" not in html
    assert not Evidence.objects.filter(milestone=gto).exists()
    assert stored_files(settings) == files_before


def test_the_service_refuses_an_oversized_file_too(gto, settings, now):
    from django.core.exceptions import ValidationError

    from commitments import services

    from .conftest import membership

    settings.EVIDENCE_MAX_BYTES = 1024
    upload = SimpleUploadedFile("grande.pdf", PDF_BYTES + b"0" * 2048)
    with pytest.raises(ValidationError) as refused:
        services.add_file_evidence(
            milestone=gto,
            membership=membership("osc.guanajuato"),
            upload=upload,
            title="Grande",
            now=now,
        )
    assert "el máximo aceptado es 1.0\xa0KB" in refused.value.message_dict["file"][0]
    assert not Evidence.objects.filter(milestone=gto).exists()


def test_a_real_pdf_with_a_wrong_name_is_kept_as_a_pdf(client, gto):
    client.force_login(user("oficial.guanajuato"))
    assert post_file(client, gto, "foto.png", PDF_BYTES).status_code == 302
    evidence = Evidence.objects.get(milestone=gto)
    assert evidence.content_type == "application/pdf"
    response = client.get(reverse("public:evidence-file", kwargs={"pk": evidence.pk}))
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org/a.pdf", "data:text/html,hola", "example.org"]
)
def test_link_evidence_accepts_only_http_and_https(client, gto, url):
    client.force_login(user("osc.guanajuato"))
    response = client.post(
        reverse("panel:add-evidence", kwargs={"pk": gto.pk}),
        {"evidence-title": "Liga", "evidence-url": url},
    )
    assert response.status_code == 400
    assert "Solo se aceptan ligas http:// y https://" in response.content.decode()
    assert not Evidence.objects.filter(milestone=gto).exists()


def test_download_is_an_attachment_never_sniffed(client, gto):
    client.force_login(user("oficial.guanajuato"))
    post_file(client, gto, "informe final.pdf", PDF_BYTES)
    client.logout()
    evidence = Evidence.objects.get(milestone=gto)

    response = client.get(reverse("public:evidence-file", kwargs={"pk": evidence.pk}))

    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "informe final.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_images_may_be_shown_inline(client, gto):
    client.force_login(user("oficial.guanajuato"))
    post_file(client, gto, "foto.png", PNG_BYTES)
    evidence = Evidence.objects.get(milestone=gto)
    response = client.get(reverse("public:evidence-file", kwargs={"pk": evidence.pk}))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_retracted_file_is_kept_but_no_longer_served(client, gto, now):
    client.force_login(user("oficial.guanajuato"))
    post_file(client, gto, "informe.pdf", PDF_BYTES)
    evidence = Evidence.objects.get(milestone=gto)
    client.post(
        reverse("panel:retract-evidence", kwargs={"pk": evidence.pk}),
        {"retract-reason": "Contenía datos personales"},
    )
    evidence.refresh_from_db()
    assert evidence.is_retracted
    assert evidence.file.read() == PDF_BYTES
    response = client.get(reverse("public:evidence-file", kwargs={"pk": evidence.pk}))
    assert response.status_code == 410
