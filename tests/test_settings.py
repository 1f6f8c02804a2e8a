"""Settings are read from the environment once, at start: each case runs a fresh process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.process
ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json
import django
from django.conf import settings
django.setup()
print(json.dumps({
    "debug": settings.DEBUG,
    "db_engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": str(settings.CACHES["default"]["LOCATION"]),
    "broker": settings.CELERY_BROKER_URL,
    "email": settings.EMAIL_BACKEND,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "secret_key_is_default": settings.SECRET_KEY == settings.INSECURE_SECRET_KEY,
    "secret_key": settings.SECRET_KEY,
    "language": settings.LANGUAGE_CODE,
    "log_format": settings.LOG_FORMAT,
    "storage": settings.STORAGES["default"],
    "site_url": settings.SITE_URL,
    "email_destination": settings.EMAIL_DESTINATION,
}))
"""

CONFIG_VARS = {
    "DATABASE_URL",
    "REDIS_URL",
    "CACHE_REDIS_URL",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "DEBUG",
    "ALLOWED_HOSTS",
    "EMAIL_HOST",
    "VAR_DIR",
    "LOG_FORMAT",
    "EVIDENCE_STORAGE",
    "MEDIA_ROOT",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "AWS_S3_REGION_NAME",
    "AWS_S3_ADDRESSING_STYLE",
    "AWS_LOCATION",
    "AWS_ACCESS_KEY_ID",
    "AWS_ACCESS_KEY_ID_FILE",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SECRET_ACCESS_KEY_FILE",
    "AWS_DEFAULT_ACL",
    "SITE_URL",
    "HOST",
    "PORT",
    "EMAIL_FILE_PATH",
}


def run_settings(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean.update({"DJANGO_SETTINGS_MODULE": "ogptracker.settings", "VAR_DIR": str(tmp_path)})
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def settings_of(tmp_path, **env):
    result = run_settings(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_defaults_with_nothing_set(tmp_path):
    conf = settings_of(tmp_path)
    assert conf["debug"] is True
    assert conf["db_engine"] == "django.db.backends.sqlite3"
    assert conf["db_name"] == str(tmp_path / "db.sqlite3")
    assert conf["broker"] == "filesystem://"
    # On files, shared by the web server and the worker (the stale job invalidates pages).
    assert conf["cache"].endswith("FileBasedCache")
    assert conf["email"].endswith("console.EmailBackend")
    assert conf["language"] == "es-mx"
    # Evidence on the local disk, under MEDIA_ROOT.
    assert conf["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    # The filesystem broker's folders exist, so a worker can start at once.
    assert (tmp_path / "celery" / "queue").is_dir()


def test_servers_from_the_environment(tmp_path):
    conf = settings_of(
        tmp_path,
        DATABASE_URL="postgres://tracker:pw@db.internal:5432/ogp",
        REDIS_URL="redis://cache.internal:6379/2",
        EMAIL_HOST="smtp.internal",
        ALLOWED_HOSTS="ogp.example.org, www.ogp.example.org",
    )
    assert conf["db_engine"] == "django.db.backends.postgresql"
    assert conf["db_name"] == "ogp"
    assert conf["broker"] == "redis://cache.internal:6379/2"
    # Django's Redis cache, degraded to no cache while Redis is away (tests/test_redis_outage.py).
    assert conf["cache"] == "ops.cache.DegradingRedisCache"
    # REDIS_URL alone: the broker and the cache share it (CI, a small installation).
    assert conf["cache_location"] == "redis://cache.internal:6379/2"
    assert conf["email"].endswith("smtp.EmailBackend")
    assert conf["allowed_hosts"] == ["ogp.example.org", "www.ogp.example.org"]


def test_the_cache_in_a_redis_of_its_own(tmp_path):
    conf = settings_of(
        tmp_path,
        REDIS_URL="redis://broker.internal:6379/0",
        CACHE_REDIS_URL="redis://cache.internal:6380/0",
    )
    assert conf["broker"] == "redis://broker.internal:6379/0"
    assert conf["cache"] == "ops.cache.DegradingRedisCache"
    assert conf["cache_location"] == "redis://cache.internal:6380/0"
    # A cache on Redis with no broker there: Celery's filesystem broker.
    alone = settings_of(tmp_path, CACHE_REDIS_URL="redis://cache.internal:6380/0")
    assert (alone["broker"], alone["cache_location"]) == (
        "filesystem://",
        "redis://cache.internal:6380/0",
    )


def test_refuses_production_start_on_the_insecure_default_key(tmp_path):
    result = run_settings(tmp_path, DEBUG="false")
    assert result.returncode != 0
    assert "Refusing to start with DEBUG off and the insecure default SECRET_KEY" in result.stderr


def test_refuses_any_django_insecure_key_in_production(tmp_path):
    result = run_settings(tmp_path, DEBUG="false", SECRET_KEY="django-insecure-copied-from-docs")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_start_with_a_real_key(tmp_path):
    conf = settings_of(tmp_path, DEBUG="false", SECRET_KEY="k" * 50)
    assert conf["debug"] is False
    assert conf["secret_key_is_default"] is False
    # Production logs are JSON lines unless asked otherwise; development logs are plain.
    assert conf["log_format"] == "json"
    assert settings_of(tmp_path)["log_format"] == "plain"
    plain = settings_of(tmp_path, DEBUG="false", SECRET_KEY="k" * 50, LOG_FORMAT="plain")
    assert plain["log_format"] == "plain"


def test_unknown_log_format_is_an_error(tmp_path):
    result = run_settings(tmp_path, LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be 'plain' or 'json'" in result.stderr


def test_secret_key_from_a_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("s" * 50 + "\n")
    conf = settings_of(tmp_path, DEBUG="false", SECRET_KEY_FILE=str(key_file))
    assert conf["secret_key"] == "s" * 50


def test_unreadable_boolean_is_an_error(tmp_path):
    result = run_settings(tmp_path, DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


@pytest.mark.parametrize("value", ["0", "false", "no", "off", "False"])
def test_debug_off_spellings(tmp_path, value):
    assert settings_of(tmp_path, DEBUG=value, SECRET_KEY="k" * 50)["debug"] is False


def test_evidence_in_a_bucket_by_setting_its_name(tmp_path):
    secret = tmp_path / "aws_secret"
    secret.write_text("bucket-secret-from-a-file\n")
    conf = settings_of(
        tmp_path,
        AWS_STORAGE_BUCKET_NAME="ogp-evidencia",
        AWS_S3_ENDPOINT_URL="http://minio.internal:9000",
        AWS_S3_REGION_NAME="us-east-1",
        AWS_ACCESS_KEY_ID="tracker",
        AWS_SECRET_ACCESS_KEY_FILE=str(secret),
    )
    assert conf["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = conf["storage"]["OPTIONS"]
    assert options["bucket_name"] == "ogp-evidencia"
    assert options["endpoint_url"] == "http://minio.internal:9000"
    assert options["region_name"] == "us-east-1"
    assert options["access_key"] == "tracker"
    assert options["secret_key"] == "bucket-secret-from-a-file"
    # Private objects, never a public or signed URL, never overwritten.
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is False
    assert options["file_overwrite"] is False


def test_bucket_without_keys_leaves_credentials_to_boto3(tmp_path):
    conf = settings_of(tmp_path, EVIDENCE_STORAGE="s3", AWS_STORAGE_BUCKET_NAME="ogp-evidencia")
    options = conf["storage"]["OPTIONS"]
    assert options["access_key"] is None
    assert options["secret_key"] is None
    assert options["endpoint_url"] is None


@pytest.mark.parametrize(
    "env, message",
    [
        ({"EVIDENCE_STORAGE": "s3"}, "AWS_STORAGE_BUCKET_NAME"),
        ({"EVIDENCE_STORAGE": "ftp"}, "EVIDENCE_STORAGE must be local or s3"),
    ],
)
def test_an_incomplete_evidence_storage_is_an_error(tmp_path, env, message):
    result = run_settings(tmp_path, **env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8201"}, "http://127.0.0.1:8201"),
        ({"HOST": "192.168.1.20", "PORT": "9000"}, "http://192.168.1.20:9000"),
        # Served on every interface: links go to this machine's own.
        ({"HOST": "0.0.0.0", "PORT": "8201"}, "http://127.0.0.1:8201"),  # noqa: S104
        ({"HOST": "::1"}, "http://[::1]:8000"),
        # Set explicitly, it wins (production: the public name behind the proxy).
        ({"SITE_URL": "https://ogp.example.org/", "PORT": "8201"}, "https://ogp.example.org"),
    ],
)
def test_site_url_follows_host_and_port_unless_set(tmp_path, env, expected):
    assert settings_of(tmp_path, **env)["site_url"] == expected


def test_make_run_can_say_where_emails_go(tmp_path):
    # bin/run prints EMAIL_DESTINATION at start.
    console = settings_of(tmp_path)
    assert console["email"].endswith("console.EmailBackend")
    assert console["email_destination"].startswith("printed in this terminal")
    files = settings_of(tmp_path, EMAIL_FILE_PATH=str(tmp_path / "mail"))
    assert files["email"].endswith("filebased.EmailBackend")
    assert files["email_destination"].startswith(f"written as files to {tmp_path / 'mail'}/")
    smtp = settings_of(tmp_path, EMAIL_HOST="smtp.example.org")
    assert smtp["email_destination"].startswith("sent by SMTP through smtp.example.org:587")


@pytest.mark.django_db
def test_postgresql_runs_without_jit():
    """The aggregates' queries cost more than jit_above_cost: compiling them took longer than
    running them (settings, README "Public pages")."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's JIT (set DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
