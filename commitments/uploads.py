"""Evidence files: what a file is, from its content; and its SHA-256.

The name and the browser's Content-Type are never trusted: an HTML page renamed `.pdf`
starts with `<html`, not `%PDF-`. Office files are ZIP archives, told apart by their members
once the archive has passed the budgets of commitments.archives.
"""

import codecs
from dataclasses import dataclass

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext_lazy as _

from . import archives, files

HEAD_BYTES = 4096


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    # Which Evidence.Kind a file of this type is filed as.
    evidence_kind: str
    # Images may be shown in the browser; everything else is downloaded.
    inline: bool = False


PDF = FileType("PDF", "application/pdf", "document")
PNG = FileType("PNG", "image/png", "photo", inline=True)
JPEG = FileType("JPEG", "image/jpeg", "photo", inline=True)
WEBP = FileType("WebP", "image/webp", "photo", inline=True)
DOCX = FileType(
    "DOCX",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "document",
)
XLSX = FileType(
    "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "dataset"
)
ODT = FileType("ODT", "application/vnd.oasis.opendocument.text", "document")
ODS = FileType("ODS", "application/vnd.oasis.opendocument.spreadsheet", "dataset")
CSV = FileType("CSV", "text/csv", "dataset")
ALLOWED = [PDF, PNG, JPEG, WEBP, DOCX, XLSX, ODT, ODS, CSV]
BY_CONTENT_TYPE = {t.content_type: t for t in ALLOWED}

ALLOWED_LABELS = ", ".join(t.label for t in ALLOWED)

# Markers of content a browser could run, refused even inside what looks like plain text.
ACTIVE_MARKERS = (
    b"<!doctype",
    b"<html",
    b"<head",
    b"<body",
    b"<script",
    b"<svg",
    b"<?xml",
    b"<iframe",
    b"<object",
    b"<embed",
    b"<meta",
    b"<a ",
    b"<img",
    b"<style",
    b"<link",
    b"<form",
    b"javascript:",
)


class RefusedFile(Exception):
    """The upload is not kept; the message says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _not_allowed(what=None):
    if what:
        return RefusedFile(
            _(
                "This file is %(what)s, which is not accepted as evidence. Accepted formats: "
                "%(allowed)s. The type is recognised from the content, not from the name."
            )
            % {"what": what, "allowed": ALLOWED_LABELS}
        )
    return RefusedFile(
        _(
            "This type of file is not accepted as evidence. Accepted formats: %(allowed)s. "
            "The type is recognised from the content, not from the name."
        )
        % {"allowed": ALLOWED_LABELS}
    )


OFFICE_MARKERS = {"[Content_Types].xml", "mimetype"}


def _zip_type(upload):
    """DOCX, XLSX, ODT or ODS, told apart by their members, after the archive is inspected
    within fixed budgets (commitments.archives: a ZIP bomb is refused before it inflates)."""

    def office_only(names):
        if not OFFICE_MARKERS.intersection(names):
            raise _not_allowed(_("a compressed archive (ZIP)"))

    try:
        archive = archives.inspect(upload, keep=("mimetype",), wanted=office_only)
    except archives.ArchiveRefused as refused:
        raise RefusedFile(refused.message) from None
    names = set(archive.names)
    if "mimetype" in names:
        mimetype = archive.kept["mimetype"].decode("ascii", "replace").strip()
        if mimetype == ODT.content_type:
            return ODT
        if mimetype == ODS.content_type:
            return ODS
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    raise _not_allowed(_("a compressed archive (ZIP)"))


def _text_type(upload):
    """CSV: valid UTF-8 text with no NUL byte and nothing a browser would run."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    upload.seek(0)
    tail = b""
    try:
        for chunk in upload.chunks():
            decoder.decode(chunk)
            if b"\x00" in chunk:
                raise _not_allowed(_("a binary file"))
            window = (tail + chunk).lower()
            marker = next((m for m in ACTIVE_MARKERS if m in window), None)
            if marker is not None:
                raise _not_allowed(_("a web page, an SVG image or a script"))
            tail = chunk[-16:]
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _not_allowed() from None
    finally:
        upload.seek(0)
    return CSV


def detect_type(upload):
    """The allowed FileType of an uploaded file, from its bytes; RefusedFile otherwise."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if not head:
        raise RefusedFile(_("The file is empty."))
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(upload)
    if head.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa", b"\xca\xfe")):
        raise _not_allowed(_("a program (executable)"))
    if head.startswith(b"#!"):
        raise _not_allowed(_("a script"))
    if head.startswith((b"GIF8", b"BM", b"II*\x00", b"MM\x00*")):
        raise _not_allowed(_("an image in a format that is not accepted"))
    # A UTF-8 byte-order mark is allowed in front of a CSV file.
    return _text_type(upload)


def digest(upload):
    """The SHA-256 (hex) and the size in bytes of an upload, read from the start.

    A pass of its own, before the file is stored, rather than while the storage reads it: a
    storage may read its content more than once or not through ``chunks()`` at all (an S3
    upload reads it to compute its own checksum, then again to send it).
    """
    upload.seek(0)
    sha256, size = files.sha256_and_size(upload.chunks())
    upload.seek(0)
    return sha256, size


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading a file as soon as it passes the limit, so that an oversized upload is
    never written out, not even to a temporary file. It must come first among the handlers;
    the view then reports `request.oversized_upload`."""

    def __init__(self, request, limit):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.oversized_upload = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
