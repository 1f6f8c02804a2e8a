"""Backup and restore, end to end: nothing is lost.

The demo data plus evidence files uploaded through the real service are backed up by
`manage.py backup` in a process of its own, with production settings; `manage.py restore`
loads the backup into a new database and a new MEDIA_ROOT; then every table of the public
schema is compared row by row, the schemas are compared, and every evidence file's SHA-256 is
checked. PostgreSQL only (pg_dump and pg_restore).
"""

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import boto3
import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from psycopg import sql

from commitments import services
from commitments.models import Evidence, LinkArchive, Milestone
from transparency import rules as request_rules
from transparency import services as request_services

from .conftest import require_tool
from .local_site import PAGE, LocalSite
from .panel.conftest import PDF_BYTES, membership, milestone, zip_bytes

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.process, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Binary content: every byte value, and random bytes, behind the PNG signature.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64 + os.urandom(50_000)
DOCX = zip_bytes(
    {
        "[Content_Types].xml": "<Types/>",
        "word/document.xml": "<w:document>Minuta de la mesa de trabajo</w:document>",
    }
)
UPLOADS = {
    "minuta.pdf": PDF_BYTES,
    "fotografia-de-la-sesion.png": PNG,
    "minuta.docx": DOCX,
}


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("backup and restore need PostgreSQL (DATABASE_URL)")
    require_tool("pg_dump")
    require_tool("pg_restore")


def server_params(dbname):
    db = connection.settings_dict
    params = {"dbname": dbname, "host": db["HOST"], "port": db["PORT"], "user": db["USER"]}
    if db["PASSWORD"]:
        params["password"] = db["PASSWORD"]
    return {k: v for k, v in params.items() if v}


def database_url(dbname):
    db = connection.settings_dict
    credentials = quote(db["USER"], safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{dbname}"


@pytest.fixture
def fresh_database(postgresql):
    """A new, empty database with a unique name, dropped afterwards."""
    name = f"ogpt_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(**server_params("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(**server_params("postgres"), autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def site(postgresql, demo, settings):
    """The demo data plus files uploaded through the real service, one of them retracted."""
    now = timezone.now()
    for number, (filename, content) in enumerate(UPLOADS.items()):
        services.add_file_evidence(
            milestone=milestone("MXGTO9004", 2),
            membership=membership("osc.guanajuato"),
            upload=SimpleUploadedFile(filename, content),
            title=f"Evidencia {number}: {filename}",
            now=now,
        )
    services.add_file_evidence(
        milestone=milestone("MXNLE9001", 3),
        membership=membership("oficial.nuevoleon"),
        upload=SimpleUploadedFile("padron.csv", b"nombre,municipio\nAna,Monterrey\n"),
        title="Padrón de participantes",
        now=now,
    )
    services.retract_evidence(
        evidence=Evidence.objects.get(title="Padrón de participantes"),
        membership=membership("oficial.nuevoleon"),
        reason="Contiene datos personales.",
        now=now,
    )
    # The government's evidence on a stale milestone turns its light: the dump has a
    # transition to carry.
    services.add_link_evidence(
        milestone=milestone("MXNLE9002", 2),
        membership=membership("oficial.nuevoleon"),
        url="https://www.monterrey.gob.mx/indicadores",
        title="Indicadores publicados",
        now=now,
    )
    assert Evidence.objects.exclude(file="").count() == 2 + len(UPLOADS) + 1
    # A link archived twice, its page changed in between: two copies, and one unchanged check.
    settings.LINK_ARCHIVE_ALLOW_PRIVATE_HOSTS = True
    with LocalSite() as local:
        link = services.add_link_evidence(
            milestone=milestone("MXGTO9004", 2),
            membership=membership("osc.guanajuato"),
            url=local.url("/cambia"),
            title="Página archivada",
            now=now,
        )
        for days, content in ((0, PAGE), (7, PAGE), (14, PAGE.replace(b"avance", b"cierre"))):
            local.changing.append(content)
            link.refresh_from_db()
            services.check_link(evidence=link, now=now + dt.timedelta(days=days))
    assert LinkArchive.objects.filter(evidence=link).exclude(file="").count() == 2
    # A filed information request (transparency/): its table is in the dump too.
    red = next(
        m
        for m in Milestone.objects.filter(
            signal="red", commitment__action_plan__state__slug="guanajuato"
        ).order_by("pk")
        if request_rules.is_eligible(m)
    )
    cso = membership("osc.guanajuato")
    draft = request_services.draft(milestone=red, membership=cso, now=now)
    request_services.record_filing(
        information_request=draft,
        membership=cso,
        folio="110200100000126",
        filed_on=timezone.localdate(now),
        now=now,
    )


def manage(command, *args, dbname, media_root, tmp_path, **extra_env):
    """`manage.py` in a process of its own, with production settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "MEDIA_ROOT", "VAR_DIR", "EVIDENCE_STORAGE"}
        and not k.startswith("AWS_")
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="backup-and-restore-test-" + "k" * 40,
        ALLOWED_HOSTS="localhost",
        DATABASE_URL=database_url(dbname),
        MEDIA_ROOT=str(media_root),
        VAR_DIR=str(tmp_path / "var"),
        **extra_env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", command, *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def backup_in_subprocess(settings, tmp_path):
    destination = tmp_path / "backups"
    result = manage(
        "backup",
        destination,
        dbname=connection.settings_dict["NAME"],
        media_root=settings.MEDIA_ROOT,
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    (backup,) = destination.iterdir()
    return backup


def backup_in_process(tmp_path):
    call_command("backup", tmp_path / "backups", stdout=open(os.devnull, "w"))  # noqa: SIM115
    (backup,) = (tmp_path / "backups").iterdir()
    return backup


def table_digests(dbname):
    """Every table of the public schema: its row count and the MD5 of all its rows, sorted;
    and every sequence's last value."""
    with psycopg.connect(**server_params(dbname)) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        digests = {
            table: conn.execute(
                sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text),"
                    " '')) FROM {} AS t"
                ).format(sql.Identifier(table))
            ).fetchone()
            for table in tables
        }
        sequences = conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            " ORDER BY 1"
        ).fetchall()
    return digests, sequences


def schema(dbname):
    """The database's schema as pg_dump writes it, without its per-run keys."""
    libpq = {"dbname": "PGDATABASE", "host": "PGHOST", "port": "PGPORT", "user": "PGUSER"}
    libpq["password"] = "PGPASSWORD"
    env = {**os.environ, **{libpq[k]: str(v) for k, v in server_params(dbname).items()}}
    result = subprocess.run(
        [require_tool("pg_dump"), "--schema-only", "--no-owner", "--no-privileges"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return [
        line
        for line in result.stdout.splitlines()
        if not line.startswith(("\\restrict", "\\unrestrict"))
    ]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def stored_files(root):
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())


def test_a_restored_backup_has_every_row_and_every_file(site, settings, tmp_path, fresh_database):
    source = connection.settings_dict["NAME"]
    backup = backup_in_subprocess(settings, tmp_path)
    restored_media = tmp_path / "restored-media"

    result = manage(
        "restore", backup, dbname=fresh_database, media_root=restored_media, tmp_path=tmp_path
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "every SHA-256 checked" in result.stdout
    # The lights are re-assessed at the time of the restore; restored right after the backup,
    # none has changed, so the rows stay equal to the original's.
    assert "Re-assessed the traffic lights at the time of the restore: 0 changed." in result.stdout
    # Every row of every table, and every sequence, as in the original.
    original_tables, original_sequences = table_digests(source)
    restored_tables, restored_sequences = table_digests(fresh_database)
    assert restored_tables == original_tables
    assert restored_sequences == original_sequences
    assert original_tables["commitments_evidence"][0] == Evidence.objects.count()
    for table in (
        "states_state",
        "states_membership",
        "accounts_user",
        "commitments_commitment",
        "commitments_milestone",
        "commitments_statusupdate",
        "commitments_historyentry",
        "commitments_transition",
        "commitments_linkarchive",
        "transparency_informationrequest",
        "django_migrations",
    ):
        assert original_tables[table][0] > 0, table
    # Indexes, constraints, the search configuration: the same schema.
    assert schema(fresh_database) == schema(source)
    # Every evidence file and every archived copy of a link, with its SHA-256, and nothing
    # else.
    evidence = list(Evidence.objects.exclude(file=""))
    copies = list(LinkArchive.objects.exclude(file=""))
    assert len(copies) == 2
    assert stored_files(restored_media) == sorted(
        [e.file.name for e in evidence] + [c.file.name for c in copies]
    )
    for copy in copies:
        restored = (restored_media / copy.file.name).read_bytes()
        assert sha256(restored) == copy.sha256
        assert len(restored) == copy.size
    for item in evidence:
        restored = (restored_media / item.file.name).read_bytes()
        assert sha256(restored) == item.sha256
        # The demo's own two files have no recorded size.
        assert item.size is None or len(restored) == item.size
        if item.original_filename in UPLOADS:
            assert restored == UPLOADS[item.original_filename]


def test_restore_reassesses_every_light_at_the_time_of_the_restore(
    site, settings, tmp_path, fresh_database
):
    guide = milestone("MXGTO9004", 2)  # yellow: due within 30 days
    assert guide.signal == "yellow"
    # A dump whose light is out of date (the clock had not looked at it yet).
    Milestone.objects.filter(pk=guide.pk).update(signal="green")
    backup = backup_in_subprocess(settings, tmp_path)

    result = manage(
        "restore",
        backup,
        dbname=fresh_database,
        media_root=tmp_path / "restored-media",
        tmp_path=tmp_path,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Re-assessed the traffic lights at the time of the restore: 1 changed." in result.stdout
    with psycopg.connect(**server_params(fresh_database)) as restored:
        (signal,) = restored.execute(
            "SELECT signal FROM commitments_milestone WHERE id = %s", [guide.pk]
        ).fetchone()
        changes = restored.execute(
            "SELECT old_signal, new_signal, cause FROM commitments_transition "
            "WHERE milestone_id = %s",
            [guide.pk],
        ).fetchall()
    assert signal == "yellow"
    assert ("green", "yellow", "clock") in changes


def test_restore_refuses_a_database_that_is_not_empty(site, settings, tmp_path):
    backup = backup_in_process(tmp_path)
    before = table_digests(connection.settings_dict["NAME"])
    settings.MEDIA_ROOT = tmp_path / "restored-media"

    with pytest.raises(CommandError, match="is not empty; nothing was restored"):
        call_command("restore", backup, stdout=open(os.devnull, "w"))  # noqa: SIM115

    assert table_digests(connection.settings_dict["NAME"]) == before
    assert not (tmp_path / "restored-media").exists()


def tamper(backup, *, update_manifest):
    manifest = json.loads((backup / "manifest.json").read_text())
    entry = next(e for e in manifest["files"] if e["size"] > 1000)
    path = backup / "files" / entry["name"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    if update_manifest:
        entry["sha256"] = sha256(bytes(data))
        (backup / "manifest.json").write_text(json.dumps(manifest))
    return entry


def test_restore_refuses_a_tampered_file_before_touching_anything(site, tmp_path, fresh_database):
    backup = backup_in_process(tmp_path)
    entry = tamper(backup, update_manifest=False)
    restored_media = tmp_path / "restored-media"

    result = manage(
        "restore", backup, dbname=fresh_database, media_root=restored_media, tmp_path=tmp_path
    )

    assert result.returncode != 0
    assert f"{entry['name']}: SHA-256 or size differs from the manifest" in result.stderr
    assert "nothing was restored" in result.stderr
    assert table_digests(fresh_database) == ({}, [])
    assert not restored_media.exists()


def test_restore_fails_when_a_file_and_its_manifest_entry_were_both_changed(
    site, tmp_path, fresh_database
):
    backup = backup_in_process(tmp_path)
    entry = tamper(backup, update_manifest=True)

    result = manage(
        "restore",
        backup,
        dbname=fresh_database,
        media_root=tmp_path / "restored-media",
        tmp_path=tmp_path,
    )

    # Caught by the SHA-256 the restored database itself recorded.
    assert result.returncode != 0
    assert (
        f"evidence {entry['evidence']}: {entry['name']} does not match the SHA-256 recorded "
        "in the database" in result.stderr
    )


def test_files_move_from_the_disk_to_a_bucket_and_are_backed_up_from_it(
    site, tmp_path, fresh_database, s3_endpoint
):
    bucket = "ogp-respaldo-prueba"
    keys = {"aws_access_key_id": "test-access-key", "aws_secret_access_key": "test-secret"}
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **keys)
    s3.create_bucket(Bucket=bucket)
    bucket_settings = {
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": keys["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": keys["aws_secret_access_key"],
    }
    from_disk = backup_in_process(tmp_path)
    files = json.loads((from_disk / "manifest.json").read_text())["files"]

    restored = manage(
        "restore",
        from_disk,
        dbname=fresh_database,
        media_root=tmp_path / "unused-media",
        tmp_path=tmp_path,
        **bucket_settings,
    )

    assert restored.returncode == 0, restored.stdout + restored.stderr
    for entry in files:
        body = s3.get_object(Bucket=bucket, Key=entry["name"])["Body"].read()
        assert sha256(body) == entry["sha256"]
    assert not (tmp_path / "unused-media").exists()
    # A backup of the restored site reads every file back from the bucket.
    again = manage(
        "backup",
        tmp_path / "from-bucket",
        dbname=fresh_database,
        media_root=tmp_path / "unused-media",
        tmp_path=tmp_path,
        **bucket_settings,
    )
    assert again.returncode == 0, again.stderr
    (from_bucket,) = (tmp_path / "from-bucket").iterdir()
    manifest = json.loads((from_bucket / "manifest.json").read_text())
    assert manifest["storage"] == "storages.backends.s3.S3Storage"
    assert manifest["files"] == files
    for entry in files:
        assert sha256((from_bucket / "files" / entry["name"]).read_bytes()) == entry["sha256"]
