"""ZIP bombs built cheaply, for the tests of commitments.archives and bench/zip_bomb.py.

Nothing here inflates or even compresses the gigabytes a bomb holds: a deflate stream of
zeros is one compressed block repeated (each ends with a full flush, so each is the same
bytes); a bzip2 stream is one compressed block repeated bit by bit (bzip2 blocks are
independent and not byte-aligned); the CRC-32 of n zero bytes is computed with zlib's
crc32_combine algorithm in O(log n). So a "759-byte ODT whose mimetype inflates to 800 MB"
takes about a second to build (bzip2 level 9) and the tests' versions a fraction of that.
"""

import bz2
import functools
import struct
import zlib

MiB = 1024 * 1024
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
STORED, DEFLATED, BZIP2 = 0, 8, 12


# CRC-32 of zeros ------------------------------------------------------------------------


def _gf2_times(matrix, vector):
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _gf2_square(matrix):
    return [_gf2_times(matrix, row) for row in matrix]


def crc32_combine(crc1, crc2, length2):
    """The CRC-32 of A+B from crc(A), crc(B) and len(B) (zlib's crc32_combine)."""
    if length2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _gf2_square(even)
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2


@functools.cache
def crc32_of_zeros(n):
    result, piece, piece_length = 0, zlib.crc32(b"\x00"), 1
    while n:
        if n & 1:
            result = crc32_combine(result, piece, piece_length)
        piece = crc32_combine(piece, piece, piece_length)
        piece_length *= 2
        n >>= 1
    return result


# Compressed zeros -----------------------------------------------------------------------


@functools.cache
def _deflated_zeros_block():
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)


def deflate_zeros(n):
    """A raw deflate stream that inflates to n zero bytes."""
    # After a full flush a compressor starts afresh: a block after one is the first block.
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    rest = compressor.compress(bytes(n % MiB)) + compressor.flush()
    return _deflated_zeros_block() * (n // MiB) + rest


def _bits(data):
    return "".join(f"{byte:08b}" for byte in data)


@functools.cache
def bzip2_zeros(n, level=1):
    """A bzip2 stream that inflates to n zero bytes: one block of zeros, repeated."""
    # A block holds 100k x level bytes after bzip2's first run-length pass, which writes a
    # run of 255 zeros in 5 bytes: 5,000,000 zeros per block fit level 1 (level 9: 40 MB).
    per_block = 5_000_000 if level < 9 else 40_000_000
    if n % per_block:
        raise ValueError(f"n must be a multiple of {per_block}")
    bits = _bits(bz2.compress(bytes(per_block), compresslevel=level))
    end_magic = f"{0x177245385090:048b}"
    end = bits.rindex(end_magic)
    block = bits[32:end]
    if block.count(f"{0x314159265359:048b}") != 1:
        raise AssertionError("expected one bzip2 block")
    block_crc = int(block[48:80], 2)
    combined = 0
    for _ in range(n // per_block):
        combined = (((combined << 1) | (combined >> 31)) & 0xFFFFFFFF) ^ block_crc
    stream = bits[:32] + block * (n // per_block) + end_magic + f"{combined:032b}"
    stream += "0" * (-len(stream) % 8)
    return int(stream, 2).to_bytes(len(stream) // 8, "big")


# ZIP container --------------------------------------------------------------------------


def member(name, data, *, method=STORED, size=None, crc=None):
    """A member given as its compressed bytes; size and crc default to those of `data`
    (give them for compressed data; give smaller ones to lie)."""
    return {
        "name": name.encode(),
        "data": data,
        "method": method,
        "size": len(data) if size is None else size,
        "crc": zlib.crc32(data) if crc is None else crc,
    }


def deflated(name, data):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return member(
        name,
        compressor.compress(data) + compressor.flush(),
        method=DEFLATED,
        size=len(data),
        crc=zlib.crc32(data),
    )


def zeros(name, n, *, method=DEFLATED, declared=None, level=1):
    """A member of n zero bytes, deflated or bzip2-compressed; `declared` lies about n."""
    data = deflate_zeros(n) if method == DEFLATED else bzip2_zeros(n, level=level)
    return member(
        name,
        data,
        method=method,
        size=n if declared is None else declared,
        crc=crc32_of_zeros(n) if declared is None else zlib.crc32(bytes(declared)),
    )


def zip_archive(members, *, zip64=False):
    """The bytes of a ZIP archive of these members (ZIP64 records if asked)."""
    out, central = bytearray(), bytearray()
    for m in members:
        offset = len(out)
        big = zip64 or m["size"] > 0xFFFFFFFE or len(m["data"]) > 0xFFFFFFFE
        extra = struct.pack("<2H3Q", 1, 24, m["size"], len(m["data"]), offset) if big else b""
        local_extra = extra[:4].replace(b"\x18", b"\x10") + extra[4:20] if big else b""
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if big else (len(m["data"]), m["size"])
        version = 45 if big else 20
        out += struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", version, 0x800, m["method"], 0, 0x21,
            m["crc"], *sizes, len(m["name"]), len(local_extra),
        )  # fmt: skip
        out += m["name"] + local_extra + m["data"]
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", version, version, 0x800, m["method"], 0, 0x21,
            m["crc"], *sizes, len(m["name"]), len(extra), 0, 0, 0, 0,
            0xFFFFFFFF if big else offset,
        )  # fmt: skip
        central += m["name"] + extra
    directory_offset = len(out)
    out += central
    count = len(members)
    if zip64:
        record = len(out)
        out += struct.pack(
            "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(central),
            directory_offset,
        )  # fmt: skip
        out += struct.pack("<4sLQL", b"PK\x06\x07", 0, record, 1)
        out += struct.pack(
            "<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0
        )
    else:
        out += struct.pack(
            "<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), directory_offset, 0
        )
    return bytes(out)


# The bombs ------------------------------------------------------------------------------


def odt_bomb(n=800_000_000, *, method=BZIP2, declared=None, level=1):
    """An "ODT" whose mimetype member inflates to n zero bytes (the issue's is bzip2, 800 MB,
    759 bytes at level 9)."""
    return zip_archive([zeros("mimetype", n, method=method, declared=declared, level=level)])


def xlsx_bomb(n=2 * 1024 * MiB, *, declared=None):
    """An "XLSX" whose worksheet inflates to n zero bytes (2 GB: a 2 MB file)."""
    return zip_archive(
        [
            deflated("[Content_Types].xml", b"<Types/>"),
            deflated("xl/workbook.xml", b"<workbook/>"),
            zeros("xl/worksheets/sheet1.xml", n, declared=declared),
        ]
    )
