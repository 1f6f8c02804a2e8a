"""Evidence in an S3-compatible bucket, chosen by settings alone.

A local S3 server (moto's, in a thread of the test process: s3_endpoint in tests/conftest.py)
stands in for the bucket. The storage
settings come from ogptracker/settings.py run with the operator's environment variables, then
a file goes through the real upload form and comes back through the download view.
"""

import hashlib
import os
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from commitments.models import Evidence

from ..test_settings import settings_of
from .conftest import user
from .test_uploads import post_file

BUCKET = "ogp-evidencia-prueba"
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"
# Over FILE_UPLOAD_MAX_MEMORY_SIZE, so the upload goes through a temporary file, and in more
# than one network read on the way back.
BIG_PDF = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024) + b"\n%%EOF\n"


@pytest.fixture(scope="module")
def s3(s3_endpoint):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture(scope="module")
def s3_storages(s3, s3_endpoint, tmp_path_factory):
    """settings.STORAGES as ogptracker/settings.py builds it from the operator's variables,
    the secret from a file named by the environment, as a container secret would be."""
    folder = tmp_path_factory.mktemp("s3-settings")
    (folder / "aws_secret").write_text(SECRET_KEY + "\n")
    conf = settings_of(
        folder,
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_ENDPOINT_URL=s3_endpoint,
        AWS_S3_REGION_NAME="us-east-1",
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY_FILE=str(folder / "aws_secret"),
    )
    assert conf["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    return {**django_settings.STORAGES, "default": conf["storage"]}


def test_evidence_is_stored_in_the_bucket_and_downloaded_through_the_view(
    client, gto, settings, s3, s3_storages
):
    settings.STORAGES = s3_storages
    client.force_login(user("osc.guanajuato"))

    response = post_file(client, gto, "informe.pdf", BIG_PDF)

    assert response.status_code == 302
    evidence = Evidence.objects.get(milestone=gto, title="Archivo informe.pdf")
    assert evidence.sha256 == hashlib.sha256(BIG_PDF).hexdigest()
    assert evidence.size == len(BIG_PDF)
    # In the bucket under the random name, private, and nothing on the local disk.
    stored = s3.get_object(Bucket=BUCKET, Key=evidence.file.name)["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == evidence.sha256
    grants = s3.get_object_acl(Bucket=BUCKET, Key=evidence.file.name)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert grants[0]["Grantee"]["Type"] == "CanonicalUser"
    assert not (Path(settings.MEDIA_ROOT) / evidence.file.name).exists()
    # No signed or public link is ever made: the view is the only way out.
    assert "?" not in evidence.file.url

    client.logout()
    download = client.get(reverse("public:evidence-file", kwargs={"pk": evidence.pk}))

    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert body == BIG_PDF
    assert hashlib.sha256(body).hexdigest() == evidence.sha256
    assert download["Content-Length"] == str(len(BIG_PDF))
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert 'filename="informe.pdf"' in download["Content-Disposition"]


def test_an_object_missing_from_the_bucket_is_not_found(client, gto, settings, s3, s3_storages):
    settings.STORAGES = s3_storages
    client.force_login(user("osc.guanajuato"))
    post_file(client, gto, "acta.pdf", b"%PDF-1.4\nacta\n%%EOF\n")
    evidence = Evidence.objects.get(milestone=gto, title="Archivo acta.pdf")
    s3.delete_object(Bucket=BUCKET, Key=evidence.file.name)

    response = client.get(reverse("public:evidence-file", kwargs={"pk": evidence.pk}))

    assert response.status_code == 404
