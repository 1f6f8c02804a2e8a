"""No lower layer imports a higher one (README, "Architecture").

The domain (commitments/, states/, transparency/) knows no web code of the public site, the
panel, the API or the alerts; ops/ (infrastructure) knows no domain app and not the project
package. Every .py file of each package is parsed, migrations aside, and every import is found
wherever it is written (at the top, inside a function, or through importlib.import_module with
a literal).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

DOMAIN_MAY_NOT_IMPORT = {"public", "panel", "api", "alerts", "demo"}
FORBIDDEN = {
    "commitments": DOMAIN_MAY_NOT_IMPORT,
    "states": DOMAIN_MAY_NOT_IMPORT,
    "transparency": DOMAIN_MAY_NOT_IMPORT,
    "ops": {
        "commitments",
        "states",
        "accounts",
        "alerts",
        "api",
        "public",
        "panel",
        "demo",
        "ogptracker",
        "transparency",
    },
}


def python_files(package_dir):
    return sorted(p for p in package_dir.rglob("*.py") if "migrations" not in p.parts)


def module_parts(path, root):
    parts = list(path.relative_to(root).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imports_of(path, root=ROOT):
    """(line, absolute module name) for every import in the file at `path`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    parts = module_parts(path, root)
    package = parts if path.name == "__init__.py" else parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module
            yield node.lineno, name
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and not node.args[0].value.startswith(".")
        ):
            yield node.lineno, node.args[0].value


def offences(package, forbidden, root=ROOT):
    found = []
    for path in python_files(root / package):
        for line, name in imports_of(path, root):
            if name.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(root)}:{line} imports {name}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_from_a_higher_layer(package):
    assert python_files(ROOT / package), f"{package}/ has no Python files: is the list stale?"
    found = offences(package, FORBIDDEN[package])
    assert not found, (
        f"{package}/ may not import {', '.join(sorted(FORBIDDEN[package]))}:\n" + "\n".join(found)
    )


def test_the_check_finds_every_kind_of_import(tmp_path):
    # The guard itself: a bad import at the top, in a function, relative or by name is found.
    package = tmp_path / "ops"
    (package / "management" / "commands").mkdir(parents=True)
    (package / "migrations").mkdir()
    (package / "__init__.py").write_text("")
    (package / "fine.py").write_text(
        "import os\nfrom django.db import models\nfrom . import logs\n"
    )
    (package / "bad.py").write_text(
        "import commitments.models\n"
        "\n"
        "def later():\n"
        "    from ogptracker.celery import app\n"
        "    return app\n"
    )
    (package / "management" / "commands" / "cmd.py").write_text(
        "import importlib\n\nfrom ...ops import outbox\nimportlib.import_module('states.models')\n"
    )
    (package / "migrations" / "0001_initial.py").write_text("from commitments import models\n")
    (tmp_path / "ops" / "relative.py").write_text("from ..api import views\n")

    assert sorted(offences("ops", FORBIDDEN["ops"], root=tmp_path)) == [
        "ops/bad.py:1 imports commitments.models",
        "ops/bad.py:4 imports ogptracker.celery",
        "ops/management/commands/cmd.py:4 imports states.models",
        "ops/relative.py:1 imports api",
    ]
