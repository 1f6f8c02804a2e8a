"""Stored evidence files, read through Django's storage API whatever the backend (the local
disk or an S3-compatible bucket): nothing here assumes a file has a local path."""

import hashlib

from django.core.files.storage import default_storage

CHUNK = 1024 * 1024


def sha256_and_size(chunks):
    """The SHA-256 (hex) and the size in bytes of a file given as its chunks of bytes.

    The one way an evidence file is hashed: for Evidence.sha256 when it is uploaded (from the
    panel, the API, the admin or the demo), and to check it when it is backed up or restored.
    """
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def chunks_of(handle):
    """A binary stream's content, CHUNK bytes at a time."""
    while chunk := handle.read(CHUNK):
        yield chunk


def open_stored(name, storage=None):
    """A readable binary stream of a stored file, and its size in bytes.

    Raises FileNotFoundError when the storage has no such file. From a bucket, the object's
    body is read from the network as the caller reads it: django-storages' own file object
    would first download the whole object to a temporary file.
    """
    storage = storage or default_storage
    handle = storage.open(name, "rb")
    # django-storages' S3File carries its boto3 Object; other storages return plain files.
    s3_object = getattr(handle, "obj", None)
    if s3_object is None:
        return handle, handle.size
    handle.close()
    try:
        response = s3_object.get()
    except s3_object.meta.client.exceptions.NoSuchKey:
        raise FileNotFoundError(name) from None
    return response["Body"], response["ContentLength"]
