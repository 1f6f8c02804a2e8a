"""An evidence file is hashed one way (commitments.files.sha256_and_size), whichever door it
comes through and however it is read."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from commitments import files, uploads
from commitments.admin import EvidenceAdminForm
from commitments.models import Evidence
from tests import factories as f
from tests.panel.conftest import PDF_BYTES

# More than one read of files.CHUNK and more than one upload chunk (64 KiB).
BIG = PDF_BYTES + bytes(range(256)) * (5 * files.CHUNK // 256 + 7)


def test_chunks_and_streams_hash_as_one_read_of_the_whole():
    expected = (hashlib.sha256(BIG).hexdigest(), len(BIG))
    assert files.sha256_and_size([BIG]) == expected
    assert files.sha256_and_size(files.chunks_of(io.BytesIO(BIG))) == expected
    upload = SimpleUploadedFile("informe.pdf", BIG)
    upload.read(10)  # digest() reads from the start whatever was read before, and rewinds
    assert uploads.digest(upload) == expected
    assert upload.tell() == 0
    assert files.sha256_and_size([]) == (hashlib.sha256(b"").hexdigest(), 0)


@pytest.mark.django_db
def test_the_admin_stores_the_same_hash_and_size():
    state = f.state()
    org = f.organisation(state)
    milestone = f.milestone(f.commitment(f.action_plan(state), org))
    now = timezone.localtime()
    form = EvidenceAdminForm(
        {
            "milestone": milestone.pk,
            "kind": Evidence.Kind.DOCUMENT,
            "title": "Informe",
            "organisation": org.pk,
            "submitted_at": now.strftime("%Y-%m-%d %H:%M:%S"),
        },
        {"file": SimpleUploadedFile("informe.pdf", BIG)},
    )
    assert form.is_valid(), form.errors
    assert (form.instance.sha256, form.instance.size) == (hashlib.sha256(BIG).hexdigest(), len(BIG))
