"""Every string users read is translated to Spanish, and the compiled catalogue is current."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_tool

ROOT = Path(__file__).resolve().parent.parent
PO = Path("locale/es_MX/LC_MESSAGES/django.po")
SKIP_DIRS = {".git", ".venv", ".tools", "var", "node_modules", ".pytest_cache", ".ruff_cache"}


@pytest.mark.process
def test_makemessages_leaves_nothing_untranslated(tmp_path):
    require_tool("xgettext")
    msgattrib = require_tool("msgattrib")
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=lambda d, names: [n for n in names if n in SKIP_DIRS])
    env = {**os.environ, "VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": ""}
    env.pop("DJANGO_SETTINGS_MODULE")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "es_MX", "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    for flag in ("--untranslated", "--only-fuzzy"):
        found = subprocess.run(
            [msgattrib, flag, "--no-obsolete", str(copy / PO)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        # msgattrib prints the header entry when anything else matched.
        entries = [line for line in found.splitlines() if line.startswith("msgid ")]
        assert entries == [] or entries == ['msgid ""'], f"{flag} entries:\n{found}"


@pytest.mark.process
def test_compiled_catalogue_matches_the_po_file(tmp_path):
    msgfmt = require_tool("msgfmt")
    compiled = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", compiled, ROOT / PO], check=True)
    committed = ROOT / PO.with_suffix(".mo")
    assert compiled.read_bytes() == committed.read_bytes(), "run `make messages` and commit"
