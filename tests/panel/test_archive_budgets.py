"""Office and OpenDocument uploads are ZIP archives, inspected within fixed budgets before
anything is stored: each budget stops a bomb (built here, cheaply: tests/bombs.py) after a
bounded number of inflated bytes, and real documents still pass."""

import bz2
import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from accounts.models import ApiToken
from commitments import archives, uploads
from commitments.models import Evidence
from tests import bombs

from .conftest import user
from .test_uploads import stored_files

MiB = bombs.MiB
ODF = "application/vnd.oasis.opendocument."


def odt(*extra, zip64=False):
    return bombs.zip_archive(
        [
            bombs.member("mimetype", bombs.ODT_MIMETYPE),
            bombs.deflated("content.xml", b"<office:document-content/>" * 50),
            *extra,
        ],
        zip64=zip64,
    )


def refusal(data):
    with pytest.raises(archives.ArchiveRefused) as refused:
        archives.inspect(io.BytesIO(data), keep=("mimetype",))
    return refused.value


# Each budget, and where the inspection stopped ----------------------------------------

BUDGETS = {
    # name: (archive, words of the English message, most bytes inflated before stopping)
    "the issue's ODT: 800 MB of zeros in bzip2 (method)": (
        lambda: bombs.odt_bomb(800_000_000),
        "compressed with a method",
        0,
    ),
    "the same ODT deflated, sizes declared (member budget)": (
        lambda: bombs.odt_bomb(800_000_000, method=bombs.DEFLATED),
        "part of this file would take more than 128.0",
        0,
    ),
    "the same ODT deflated, declaring 39 bytes (declared size)": (
        lambda: bombs.odt_bomb(800_000_000, method=bombs.DEFLATED, declared=39),
        "more data than it declares",
        archives.STEP,
    ),
    "an XLSX inflating to 2 GB, sizes declared (member budget)": (
        lambda: bombs.xlsx_bomb(2048 * MiB),
        "part of this file would take more than 128.0",
        0,
    ),
    "an XLSX inflating to 2 GB, declaring 1 KB (declared size)": (
        lambda: bombs.xlsx_bomb(2048 * MiB, declared=1000),
        "more data than it declares",
        archives.STEP + 100,
    ),
    "an XLSX of 100 MiB of zeros, declared (ratio of a member)": (
        lambda: bombs.xlsx_bomb(100 * MiB),
        "more than 200 times its compressed size",
        archives.RATIO_FLOOR + 2 * archives.STEP,
    ),
    "30 parts of 1 MiB of zeros, each under the floor (ratio of the whole file)": (
        lambda: odt(*(bombs.zeros(f"Pictures/{n}.xml", MiB) for n in range(30))),
        "more than 200 times its compressed size",
        8 * MiB,
    ),
    "three parts of 100 MiB, declared (total budget)": (
        lambda: odt(*(bombs.zeros(f"part{n}.xml", 100 * MiB) for n in range(3))),
        "would take more than 256.0",
        0,
    ),
    "5,001 parts (entries)": (
        lambda: odt(*(bombs.member(f"p/{n}", b"") for n in range(archives.MAX_ENTRIES - 1))),
        "more than 5,000 parts",
        0,
    ),
    "2,000 parts with 600-character names (size of the directory)": (
        lambda: odt(*(bombs.member(f"{n:04d}" + "x" * 596, b"") for n in range(2000))),
        "list of parts of this file takes more than 1.0",
        0,
    ),
}


@pytest.mark.parametrize("case", BUDGETS)
def test_each_budget_stops_the_inspection(case):
    build, words, most_inflated = BUDGETS[case]
    with translation.override("en"):
        refused = refusal(build())
    assert words in refused.message
    assert refused.inflated <= most_inflated


def test_5000_entries_pass_and_an_end_record_counting_fewer_is_refused():
    data = odt(*(bombs.member(f"p/{n}", b"") for n in range(archives.MAX_ENTRIES - 2)))
    assert archives.inspect(io.BytesIO(data)).names[-1] == f"p/{archives.MAX_ENTRIES - 3}"
    lying = bytearray(data)
    eocd = lying.rindex(b"PK\x05\x06")
    struct.pack_into("<2H", lying, eocd + 8, 3, 3)
    with translation.override("es-mx"):
        assert "no es un archivo comprimido válido" in refusal(bytes(lying)).message


def test_the_bomb_of_the_issue_is_small_and_real():
    """What the ODT refused above holds: under 1 KB at bzip2's level 9, inflating to 800 MB
    (checked by inflating its first 10 MiB only: zipfile's own reader would inflate all)."""
    data = bombs.odt_bomb(800_000_000, level=9)
    assert len(data) < 1000
    member = zipfile.ZipFile(io.BytesIO(data)).getinfo("mimetype")
    assert (member.file_size, member.compress_type) == (800_000_000, zipfile.ZIP_BZIP2)
    inflater = bz2.BZ2Decompressor()
    assert inflater.decompress(bombs.bzip2_zeros(800_000_000, 9), 10 * MiB) == bytes(10 * MiB)
    assert not inflater.eof


# Malformed archives: refused, never a server error -----------------------------------


def _with_byte(data, offset, value):
    changed = bytearray(data)
    changed[offset] = value
    return bytes(changed)


def _malformed():
    good = odt()
    content = good.index(b"content.xml") + len(b"content.xml")
    yield "truncated", good[: len(good) // 2]
    yield "a CRC that does not match", _with_byte(good, content + 3, good[content + 3] ^ 0xFF)
    yield "garbage deflate data", _with_byte(good, content, 0xFF)
    yield "no end record", good[:-22]
    yield (
        "a duplicated name",
        bombs.zip_archive(
            [bombs.member("mimetype", bombs.ODT_MIMETYPE), bombs.member("mimetype", b"x")]
        ),
    )
    overlapping = bytearray(good)
    # The second entry's header offset pointed at the first's.
    directory = overlapping.index(b"PK\x01\x02", overlapping.index(b"PK\x01\x02") + 4)
    struct.pack_into("<L", overlapping, directory + 42, 0)
    yield "overlapping members", bytes(overlapping)
    stored_lie = bombs.member("mimetype", bombs.ODT_MIMETYPE, size=10)
    yield "a stored member whose sizes differ", bombs.zip_archive([stored_lie])


@pytest.mark.parametrize(("name", "data"), list(_malformed()), ids=lambda v: str(v)[:30])
def test_malformed_archives_are_refused_as_damaged(name, data):
    with translation.override("en"):
        assert "damaged or not a valid archive" in refusal(data).message


def test_an_encrypted_member_is_refused():
    data = bytearray(odt())
    directory = data.index(b"PK\x01\x02")
    struct.pack_into("<H", data, directory + 8, 0x801)
    with translation.override("en"):
        assert "encrypted" in refusal(bytes(data)).message


# Real documents still pass ------------------------------------------------------------


def test_real_documents_pass_within_the_budgets():
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Municipio {n * 7919 % 10007}</t></is>'
        f'</c><c r="B{n}"><v>{n * 104729 % 99991}</v></c></row>'
        for n in range(1, 60_000)
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<sheetData>" + rows + b"</sheetData>")
    assert len(rows) > 5 * MiB
    upload = SimpleUploadedFile("padron.xlsx", buffer.getvalue())
    assert uploads.detect_type(upload) == uploads.XLSX
    assert uploads.detect_type(SimpleUploadedFile("a.odt", odt(zip64=True))) == uploads.ODT
    inspection = archives.inspect(io.BytesIO(buffer.getvalue()))
    assert inspection.inflated == len(rows) + len("<Types/><workbook/><sheetData></sheetData>")


def test_a_plain_zip_is_refused_by_its_names_before_anything_inflates():
    data = bombs.zip_archive([bombs.zeros("datos.bin", 100 * MiB)])
    with translation.override("en"), pytest.raises(uploads.RefusedFile) as refused:
        uploads.detect_type(SimpleUploadedFile("datos.docx", data))
    assert "compressed archive (ZIP)" in refused.value.message


# Through the doors: nothing stored, a clear message in the user's language -------------


@pytest.mark.django_db
def test_the_panel_and_the_api_refuse_the_bomb_and_store_nothing(client, gto, settings):
    bomb = bombs.odt_bomb(800_000_000)
    before, files_before = Evidence.objects.count(), stored_files(settings)
    client.force_login(user("osc.guanajuato"))
    response = client.post(
        f"/panel/hitos/{gto.pk}/evidencia/",
        {"evidence-title": "Minuta", "evidence-file": SimpleUploadedFile("minuta.odt", bomb)},
    )
    assert response.status_code == 400
    assert "comprimida con un método" in response.content.decode()
    key = ApiToken.issue(user=user("osc.guanajuato"), name="t")[1]
    response = client.post(
        f"/api/v1/milestones/{gto.pk}/evidence/",
        {"title": "Padrón", "file": SimpleUploadedFile("padron.xlsx", bombs.xlsx_bomb())},
        HTTP_AUTHORIZATION=f"Token {key}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "would take more than 128.0" in response.json()["fields"]["file"][0]
    assert Evidence.objects.count() == before
    assert stored_files(settings) == files_before


def test_crc_of_zeros_matches_zlib():
    # The bombs' CRCs are computed, not inflated: check the computation where zlib can.
    for n in (0, 1, 1000, MiB + 7, 3 * MiB):
        assert bombs.crc32_of_zeros(n) == zlib.crc32(bytes(n))
