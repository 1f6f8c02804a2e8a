"""Backup and restore of the whole site: the PostgreSQL database and every evidence file.

In the domain, next to the evidence it copies, so that ops/ needs no domain model and a
restore can end with the domain's own work (_after_restore).

A backup is one directory, ``ogptracker-<UTC time>/``:

- ``database.dump``: ``pg_dump --format=custom`` of the database;
- ``files/<name>``: every evidence file the dump refers to, and every archived copy of a link
  (LinkArchive), read through the storage API (so from the local disk or from a bucket
  alike), under its storage name;
- ``manifest.json``: the dump's and each file's size and SHA-256, and any problem found.

The dump and the list of files come from one database snapshot, so the files are exactly the
ones the dump's rows name, even while people keep uploading. Restore checks every checksum
before it touches anything, loads the dump into an empty database, writes the files back into
the configured storage, reads each one back and compares it with the manifest and with
``Evidence.sha256``.
"""

import datetime as dt
import json
import os
import shutil

# Only to run pg_dump and pg_restore, found on PATH, with lists of arguments and no shell.
import subprocess  # nosec B404
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction

from . import services
from .cache import invalidate_public_pages
from .files import chunks_of, open_stored, sha256_and_size
from .models import Evidence, LinkArchive, Milestone, Transition

FORMAT = "ogptracker-backup"
VERSION = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"

# Django's OPTIONS for PostgreSQL that libpq also reads from the environment.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(Exception):
    """The backup or restore cannot go on, or ended with problems; the message says which."""


def _require_postgresql():
    if connection.vendor != "postgresql":
        raise BackupError(
            "Backup and restore work on PostgreSQL (DATABASE_URL); this site runs on "
            f"{connection.vendor}. For the development SQLite file, copy var/ instead."
        )


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not on PATH: install the PostgreSQL client of the server's version "
            "(apt-get install postgresql-client)."
        )
    return path


def libpq_environment():
    """The environment that points pg_dump and pg_restore at the site's database.

    The password goes in PGPASSWORD, never on a command line that `ps` would show.
    """
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": str(db["NAME"])}
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    for option, variable in LIBPQ_OPTIONS.items():
        if db.get("OPTIONS", {}).get(option):
            env[variable] = str(db["OPTIONS"][option])
    return env


def _run(args):
    # pg_dump or pg_restore, found with shutil.which, with a list of arguments and no shell.
    result = subprocess.run(  # noqa: S603  # nosec B603
        args, env=libpq_environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(
            f"{Path(args[0]).name} failed (exit {result.returncode}):\n{result.stderr.strip()}"
        )
    return result


def sha256_of(path):
    with open(path, "rb") as handle:
        return sha256_and_size(chunks_of(handle))[0]


def _safe_relative(name):
    """A storage name as a relative path inside the backup, or None if it would leave it."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        return None
    return Path(*path.parts)


def _copy_from_storage(name, destination):
    """Copies a stored file to a local path; returns its size and SHA-256."""
    handle, _size = open_stored(name)
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        with open(destination, "wb") as out:
            sha256, size = sha256_and_size(_written(chunks_of(handle), out))
    finally:
        handle.close()
    return size, sha256


def _written(chunks, out):
    """The chunks, each written to `out` as it passes: hashed and copied in one read."""
    for chunk in chunks:
        out.write(chunk)
        yield chunk


def _stored_sha256(name):
    handle, _size = open_stored(name)
    try:
        return sha256_and_size(chunks_of(handle))[0]
    finally:
        handle.close()


def _write_backup(partial, pg_dump, now, log):
    """The dump, the files and the manifest, into ``partial``; the files and the problems."""
    # One snapshot for the dump and for the list of files it refers to.
    connection.ensure_connection()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        log(f"Dumping the database {connection.settings_dict['NAME']} (pg_dump)...")
        _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={partial / DUMP}"])
        rows = [
            ("evidence", *row)
            for row in Evidence.objects.exclude(file="")
            .order_by("pk")
            .values_list("pk", "file", "sha256", "size")
        ]
        rows += [
            ("link_archive", *row)
            for row in LinkArchive.objects.exclude(file="")
            .order_by("pk")
            .values_list("pk", "file", "sha256", "size")
        ]

    log(f"Copying {len(rows)} evidence files and archived copies from the storage...")
    files, problems = [], []
    for owner, pk, name, sha256, size in rows:
        label = f"{owner.replace('_', ' ')} {pk}"
        relative = _safe_relative(name)
        if relative is None:
            problems.append(f"{label}: unsafe file name {name!r}, not copied")
            continue
        try:
            copied_size, copied_sha256 = _copy_from_storage(name, partial / FILES / relative)
        except FileNotFoundError:
            problems.append(f"{label}: {name} is missing from the storage")
            continue
        files.append({"name": name, "size": copied_size, "sha256": copied_sha256, owner: pk})
        if copied_sha256 != sha256 or (size is not None and copied_size != size):
            problems.append(
                f"{label}: {name} in the storage does not match the SHA-256 or size "
                "recorded in the database"
            )

    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": now.isoformat(),
        "database": {
            "file": DUMP,
            "size": (partial / DUMP).stat().st_size,
            "sha256": sha256_of(partial / DUMP),
        },
        "storage": default_storage.__class__.__module__
        + "."
        + default_storage.__class__.__qualname__,
        "files": files,
        "problems": problems,
    }
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return files, problems


def create_backup(destination, *, log=print, now=None):
    """Writes a backup into a new directory under ``destination``; returns its path.

    Raises BackupError when it cannot be made, or, after writing it, when some evidence file
    was missing or did not match its SHA-256 (the manifest lists them).
    """
    _require_postgresql()
    pg_dump = _tool("pg_dump")
    now = now or dt.datetime.now(dt.UTC)
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    final = destination / f"ogptracker-{now:%Y%m%dT%H%M%SZ}"
    partial = final.with_name(final.name + ".partial")
    if final.exists() or partial.exists():
        raise BackupError(f"{final} already exists.")
    # A backup holds personal data (emails, password hashes): for its owner only.
    partial.mkdir(mode=0o700)
    try:
        files, problems = _write_backup(partial, pg_dump, now, log)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    partial.rename(final)
    total = sum(f["size"] for f in files)
    log(
        f"Backup written to {final}: database {(final / DUMP).stat().st_size} bytes, "
        f"{len(files)} files, {total} bytes."
    )
    if problems:
        raise BackupError(
            f"The backup {final} was written, but {len(problems)} evidence files are not in it "
            "as recorded:\n" + "\n".join(problems)
        )
    return final


def read_manifest(backup):
    path = Path(backup) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise BackupError(f"{path} not found: is {backup} a backup directory?") from None
    except ValueError as error:
        raise BackupError(f"{path} is not valid JSON: {error}") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"{path} is not a version {VERSION} {FORMAT} manifest.")
    return manifest


def verify_backup(backup, manifest):
    """Every checksum of the backup against its manifest; the list of what does not match."""
    backup = Path(backup)
    mismatches = []
    dump = backup / manifest["database"]["file"]
    if not dump.is_file():
        mismatches.append(f"{dump.name} is missing")
    elif sha256_of(dump) != manifest["database"]["sha256"]:
        mismatches.append(f"{dump.name}: SHA-256 differs from the manifest")
    for entry in manifest["files"]:
        relative = _safe_relative(entry["name"])
        if relative is None:
            mismatches.append(f"{entry['name']!r}: unsafe file name")
            continue
        path = backup / FILES / relative
        if not path.is_file():
            mismatches.append(f"{entry['name']}: missing from the backup")
        elif path.stat().st_size != entry["size"] or sha256_of(path) != entry["sha256"]:
            mismatches.append(f"{entry['name']}: SHA-256 or size differs from the manifest")
    return mismatches


def database_is_empty():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
              AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
            """
        )
        return cursor.fetchone()[0] == 0


def _restore_file(backup, entry):
    """Writes one file back into the storage under its own name; a problem, or None."""
    name = entry["name"]
    if default_storage.exists(name):
        # Restoring again, or into a bucket that kept its files: same bytes are fine.
        if _stored_sha256(name) != entry["sha256"]:
            return f"{name}: the storage already holds a different file under this name"
        return None
    with open(Path(backup) / FILES / _safe_relative(name), "rb") as handle:
        saved = default_storage.save(name, File(handle, name=name))
    if saved != name:
        default_storage.delete(saved)
        return f"{name}: the storage saved it as {saved}"
    if _stored_sha256(name) != entry["sha256"]:
        return f"{name}: read back from the storage, its SHA-256 differs from the manifest"
    return None


def restore_backup(backup, *, now, force=False, log=print):
    """Restores a backup into the configured database (empty unless ``force``) and storage.

    Raises BackupError before touching anything when the backup does not match its manifest
    or the database is not empty, and at the end if any file could not be restored exactly.
    """
    _require_postgresql()
    pg_restore = _tool("pg_restore")
    backup = Path(backup)
    manifest = read_manifest(backup)
    log(f"Checking {backup} against its manifest...")
    mismatches = verify_backup(backup, manifest)
    if mismatches:
        raise BackupError(
            "The backup does not match its manifest; nothing was restored:\n"
            + "\n".join(mismatches)
        )
    name = connection.settings_dict["NAME"]
    if not database_is_empty():
        if not force:
            raise BackupError(
                f"The database {name} is not empty; nothing was restored. Restore into a new "
                "database (createdb), or pass --force to replace the objects of the backup."
            )
        log(f"The database {name} is not empty: replacing the objects of the backup (--force).")
    log(f"Restoring the database into {name} (pg_restore)...")
    args = [
        pg_restore,
        f"--dbname={name}",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
    ]
    if force:
        args += ["--clean", "--if-exists"]
    connection.close()
    _run([*args, str(backup / manifest["database"]["file"])])

    log(f"Restoring {len(manifest['files'])} evidence files and copies into the storage...")
    problems = [p for entry in manifest["files"] if (p := _restore_file(backup, entry))]
    problems += [f"from the backup: {p}" for p in manifest.get("problems", [])]

    # Every file the restored rows name, against the manifest and the rows' SHA-256 (evidence
    # files and archived copies of links).
    by_name = {entry["name"]: entry for entry in manifest["files"]}
    restored_names = set()
    for label, model in (("evidence", Evidence), ("link archive", LinkArchive)):
        for pk, file_name, sha256 in (
            model.objects.exclude(file="").order_by("pk").values_list("pk", "file", "sha256")
        ):
            restored_names.add(file_name)
            entry = by_name.get(file_name)
            if entry is None:
                problems.append(f"{label} {pk}: {file_name} is not in the backup")
            elif entry["sha256"] != sha256:
                problems.append(
                    f"{label} {pk}: {file_name} does not match the SHA-256 recorded in the database"
                )
    for extra in sorted(set(by_name) - restored_names):
        problems.append(f"{extra}: in the backup but named by no evidence row")

    _after_restore(log, now=now)
    if problems:
        raise BackupError(
            f"Restored with {len(problems)} problems; check the evidence they name:\n"
            + "\n".join(problems)
        )
    log(
        f"Restored {backup.name} into {name}: {len(manifest['files'])} evidence files, "
        "every SHA-256 checked."
    )


def _after_restore(log, *, now):
    """What the site needs once the rows and files are back, problems or not: the one place
    where every restore ends, before it reports.

    The lights in the dump were right when it was taken; time has passed since, so every
    milestone is re-assessed at `now`, each change recorded as the clock records one.
    """
    result = services.reassess(Milestone.objects.all(), now=now, cause=Transition.Cause.CLOCK)
    changed = sum(result.changed.values())
    log(f"Re-assessed the traffic lights at the time of the restore: {changed} changed.")
    _invalidate_cached_pages(log)


def _invalidate_cached_pages(log):
    try:
        invalidate_public_pages()
    except Exception as error:  # noqa: BLE001 (the restore is done; the cache is secondary)
        log(f"Warning: could not invalidate cached public pages ({type(error).__name__}).")
