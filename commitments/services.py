"""Writes. Every change to commitments, milestones and evidence goes through here."""

import hashlib


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
