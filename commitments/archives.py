"""ZIP archives (Office and OpenDocument files) inspected within fixed budgets.

An Office or OpenDocument file is a ZIP archive, and a ZIP archive can be a bomb: a few
hundred bytes whose members inflate to gigabytes. Reading a member whole to look at it (as
`zipfile.ZipFile.read` does) makes the process's memory grow with the inflated size, and the
archive's own sizes may lie. So nothing here trusts what the archive declares, and nothing is
read whole:

- the end record and the central directory are read first, and refused when they announce
  more entries or a larger directory than the budgets allow, before any entry is parsed;
- every entry must be stored or deflated (the only methods Office and OpenDocument use; a
  bzip2 or LZMA stream cannot be inflated in bounded steps by the standard library), not
  encrypted, named once, and its data must lie inside the file without overlapping another's;
- the declared sizes must fit the budgets, per member and in total;
- then every member is inflated in steps of at most `STEP` bytes of output, counting what
  really comes out: the inspection stops at the first step past the member's declared size
  (so no member inflates past its budget, nor the archive past its total) or past the
  compression ratio, of the member or of the whole file, and checks each member's CRC-32.

The process never holds more than a step of inflated data (plus the first bytes of the
members the caller asks to keep, such as ODF's `mimetype`), whatever the archive holds.
"""

import struct
import zlib
from dataclasses import dataclass, field

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MiB = 1024 * 1024

# Budgets. Real Office and OpenDocument files stay far inside them: a 25 MB spreadsheet
# (the largest evidence accepted) inflates to a few hundred MB at most, at ratios well
# under 100; a bomb inflates a thousand times its size or more.
MAX_ENTRIES = 5_000
MAX_DIRECTORY_BYTES = 1 * MiB
MAX_MEMBER_BYTES = 128 * MiB
MAX_TOTAL_BYTES = 256 * MiB
MAX_RATIO = 200
# Below this many inflated bytes no ratio is checked (a small, repetitive XML part
# legitimately compresses a lot, and is harmless).
RATIO_FLOOR = 1 * MiB
# The most inflated bytes produced, and compressed bytes read, at a time.
STEP = 64 * 1024
# The most bytes kept of each member the caller asks for.
KEEP_BYTES = 256

STORED, DEFLATED = 0, 8
METHOD_NAMES = {1: "Shrink", 6: "Implode", 9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard"}

_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_LOCAL = struct.Struct("<4s5H3L2H")
_MAX_COMMENT = 0xFFFF


class ArchiveRefused(Exception):
    """The archive passes a budget or is malformed; `message` says why, for people.

    `inflated` is how many bytes had been inflated when the inspection stopped.
    """

    def __init__(self, message, *, inflated=0):
        super().__init__(message)
        self.message = message
        self.inflated = inflated


@dataclass
class Member:
    name: str
    method: int
    flags: int
    crc: int
    compressed_size: int
    size: int
    header_offset: int


@dataclass
class Inspection:
    """What an archive holds: its member names, the first bytes of the members asked for,
    and how many bytes inflating it produced."""

    names: list
    kept: dict = field(default_factory=dict)
    inflated: int = 0


def _damaged(inflated=0):
    return ArchiveRefused(
        _(
            "This file is damaged or not a valid archive: what it says it holds does not match "
            "its content. It was not kept."
        ),
        inflated=inflated,
    )


def _too_large():
    return ArchiveRefused(
        _(
            "Uncompressed, this file would take more than %(limit)s, the most accepted for an "
            "Office or OpenDocument file (it may be a ZIP bomb). It was not kept."
        )
        % {"limit": filesizeformat(MAX_TOTAL_BYTES)}
    )


def _too_large_member():
    return ArchiveRefused(
        _(
            "A part of this file would take more than %(limit)s uncompressed, the most "
            "accepted for one part of an Office or OpenDocument file (it may be a ZIP bomb). "
            "It was not kept."
        )
        % {"limit": filesizeformat(MAX_MEMBER_BYTES)}
    )


def _size_of(upload):
    upload.seek(0, 2)
    size = upload.tell()
    upload.seek(0)
    return size


def _read_at(upload, offset, length):
    upload.seek(offset)
    data = upload.read(length)
    if len(data) != length:
        raise _damaged()
    return data


def _directory_bounds(upload, size):
    """(entries, directory offset, directory size) from the end record, before any entry is
    read; the directory must end where the end record (or its ZIP64 form) begins."""
    tail_length = min(size, _EOCD.size + _MAX_COMMENT)
    tail = _read_at(upload, size - tail_length, tail_length)
    # The last end record whose comment runs exactly to the end of the file.
    position = len(tail)
    while True:
        position = tail.rfind(b"PK\x05\x06", 0, position)
        if position < 0:
            raise _damaged()
        if position + _EOCD.size <= len(tail):
            record = _EOCD.unpack_from(tail, position)
            if position + _EOCD.size + record[7] == len(tail):
                break
    _sig, disk, directory_disk, disk_entries, entries, dir_size, dir_offset, _comment = record
    end = size - tail_length + position
    if 0xFFFF in (entries, disk_entries) or 0xFFFFFFFF in (dir_size, dir_offset):
        if end < _ZIP64_LOCATOR.size:
            raise _damaged()
        locator = _ZIP64_LOCATOR.unpack(
            _read_at(upload, end - _ZIP64_LOCATOR.size, _ZIP64_LOCATOR.size)
        )
        if locator[0] != b"PK\x06\x07" or locator[2] + _ZIP64_EOCD.size > end:
            raise _damaged()
        end = locator[2]
        record = _ZIP64_EOCD.unpack(_read_at(upload, end, _ZIP64_EOCD.size))
        if record[0] != b"PK\x06\x06":
            raise _damaged()
        disk, directory_disk, disk_entries, entries, dir_size, dir_offset = record[4:]
    if disk or directory_disk or disk_entries != entries or dir_offset + dir_size != end:
        raise _damaged()
    if entries > MAX_ENTRIES:
        raise ArchiveRefused(
            _(
                "This file holds more than %(limit)s parts; an Office or OpenDocument file "
                "holds far fewer. It was not kept."
            )
            % {"limit": f"{MAX_ENTRIES:,}"}
        )
    if dir_size > MAX_DIRECTORY_BYTES:
        raise ArchiveRefused(
            _(
                "The list of parts of this file takes more than %(limit)s; an Office or "
                "OpenDocument file's is far smaller. It was not kept."
            )
            % {"limit": filesizeformat(MAX_DIRECTORY_BYTES)}
        )
    return entries, dir_offset, dir_size


def _zip64_sizes(extra, size, compressed_size, offset):
    """The sizes and offset a ZIP64 extra field gives for those the entry marks 0xFFFFFFFF."""
    position = 0
    while position + 4 <= len(extra):
        tag, length = struct.unpack_from("<2H", extra, position)
        body = extra[position + 4 : position + 4 + length]
        position += 4 + length
        if tag != 0x0001:
            continue
        values = iter(struct.unpack_from(f"<{len(body) // 8}Q", body))
        try:
            if size == 0xFFFFFFFF:
                size = next(values)
            if compressed_size == 0xFFFFFFFF:
                compressed_size = next(values)
            if offset == 0xFFFFFFFF:
                offset = next(values)
        except StopIteration:
            raise _damaged() from None
    if 0xFFFFFFFF in (size, compressed_size, offset):
        raise _damaged()
    return size, compressed_size, offset


def _members(upload, entries, dir_offset, dir_size):
    directory = _read_at(upload, dir_offset, dir_size)
    members, position = [], 0
    for _i in range(entries):
        if position + _CENTRAL.size > len(directory):
            raise _damaged()
        fields = _CENTRAL.unpack_from(directory, position)
        (sig, _made, _needed, flags, method, _time, _date, crc, csize, size, name_length,
         extra_length, comment_length, _disk, _internal, _external, offset) = fields  # fmt: skip
        if sig != b"PK\x01\x02":
            raise _damaged()
        start = position + _CENTRAL.size
        name_bytes = directory[start : start + name_length]
        extra = directory[start + name_length : start + name_length + extra_length]
        position = start + name_length + extra_length + comment_length
        if position > len(directory):
            raise _damaged()
        size, csize, offset = _zip64_sizes(extra, size, csize, offset)
        name = name_bytes.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        members.append(Member(name, method, flags, crc, csize, size, offset))
    if position != len(directory):
        raise _damaged()
    return members


def _check_directory(members, dir_offset):
    names = [m.name for m in members]
    if len(set(names)) != len(names):
        raise _damaged()
    for m in members:
        if m.flags & 0x41:  # bit 0: encrypted; bit 6: strong encryption
            raise ArchiveRefused(
                _(
                    "This file is encrypted (protected with a password); evidence must be "
                    "readable by anyone. It was not kept."
                )
            )
        if m.method not in (STORED, DEFLATED):
            raise ArchiveRefused(
                _(
                    "A part of this file is compressed with a method Office and OpenDocument "
                    "files do not use (%(method)s). It was not kept."
                )
                % {"method": METHOD_NAMES.get(m.method, str(m.method))}
            )
        if m.method == STORED and m.size != m.compressed_size:
            raise _damaged()
        if m.size > MAX_MEMBER_BYTES:
            raise _too_large_member()
    if sum(m.size for m in members) > MAX_TOTAL_BYTES:
        raise _too_large()
    # Members' data lie before the directory, in order, none overlapping the next.
    ordered = sorted(members, key=lambda m: m.header_offset)
    ends = [m.header_offset for m in ordered[1:]] + [dir_offset]
    return list(zip(ordered, ends, strict=True))


def _data_start(upload, member, end):
    header = _LOCAL.unpack(_read_at(upload, member.header_offset, _LOCAL.size))
    sig, name_length, extra_length = header[0], header[9], header[10]
    if sig != b"PK\x03\x04":
        raise _damaged()
    start = member.header_offset + _LOCAL.size
    name = _read_at(upload, start, name_length)
    if name.decode("utf-8" if member.flags & 0x800 else "cp437", "replace") != member.name:
        raise _damaged()
    start += name_length + extra_length
    if start + member.compressed_size > end:
        raise _damaged()
    return start


class _Budget:
    def __init__(self, archive_size):
        self.archive_size = archive_size
        self.total = 0

    def count(self, member, produced, consumed, inflated):
        """Checks a member's bytes so far; raises at the first budget passed."""
        self.total += produced
        if inflated > member.size:  # more than it declared: its sizes lie
            raise ArchiveRefused(
                _(
                    "This file holds more data than it declares (it looks like a ZIP bomb). "
                    "It was not kept."
                ),
                inflated=self.total,
            )
        whole = self.total > RATIO_FLOOR and self.total > MAX_RATIO * self.archive_size
        if whole or (inflated > RATIO_FLOOR and inflated > MAX_RATIO * max(consumed, 1)):
            raise ArchiveRefused(
                _(
                    "This file inflates to more than %(ratio)s times its compressed size, "
                    "which Office and OpenDocument files never do (it looks like a ZIP bomb). "
                    "It was not kept."
                )
                % {"ratio": MAX_RATIO},
                inflated=self.total,
            )


def _inflate(upload, member, start, budget, keep):
    """Inflates one member in bounded steps; returns its first KEEP_BYTES if `keep`."""
    upload.seek(start)
    left = member.compressed_size
    inflater = zlib.decompressobj(-15) if member.method == DEFLATED else None
    crc, inflated, consumed, pending, kept = 0, 0, 0, b"", b""
    while True:
        if not pending:
            if not left:
                break
            pending = upload.read(min(STEP, left))
            if not pending:
                raise _damaged(budget.total)
            left -= len(pending)
        if inflater is None:
            out, consumed, pending = pending, consumed + len(pending), b""
        else:
            out = inflater.decompress(pending, STEP)
            consumed += len(pending) - len(inflater.unconsumed_tail)
            pending = inflater.unconsumed_tail
        inflated += len(out)
        budget.count(member, len(out), consumed, inflated)
        crc = zlib.crc32(out, crc)
        if keep and len(kept) < KEEP_BYTES:
            kept += out[: KEEP_BYTES - len(kept)]
        if inflater is not None and inflater.eof:
            break
    if inflater is not None and not inflater.eof:
        raise _damaged(budget.total)
    if inflated != member.size or crc != member.crc:
        raise _damaged(budget.total)
    return kept


def inspect(upload, *, keep=(), wanted=None):
    """Inspects a ZIP archive (a seekable binary file) within the budgets.

    `keep` names members whose first KEEP_BYTES are returned. `wanted(names)` may refuse the
    archive from its names alone (raising), before anything is inflated. Raises
    ArchiveRefused; the file is left at its start.
    """
    try:
        size = _size_of(upload)
        entries, dir_offset, dir_size = _directory_bounds(upload, size)
        members = _members(upload, entries, dir_offset, dir_size)
        layout = _check_directory(members, dir_offset)
        names = [m.name for m in members]
        if wanted is not None:
            wanted(names)
        budget = _Budget(size)
        kept = {}
        for member, end in layout:
            start = _data_start(upload, member, end)
            head = _inflate(upload, member, start, budget, member.name in keep)
            if member.name in keep:
                kept[member.name] = head
        return Inspection(names=names, kept=kept, inflated=budget.total)
    except (struct.error, zlib.error, OSError, ValueError, IndexError):
        raise _damaged() from None
    finally:
        upload.seek(0)
