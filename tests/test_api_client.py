"""A Python client generated from the API's own schema (openapi-python-client), as an
integration would build one: every module it writes imports, the names it gives are the same
whichever language the schema was asked in, and through it a running server takes a status
report, a link, a file and a verification, which end up in the database."""

import importlib
import io
import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from accounts.models import ApiToken
from commitments.models import Evidence, Milestone, Verification
from tests.panel.conftest import PDF_BYTES, milestone, user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.process]

PACKAGE = "ogpt_client"


def _schema(base_url, language):
    request = urllib.request.Request(  # noqa: S310 (the test's own live server)
        f"{base_url}/api/schema/?format=json", headers={"Accept-Language": language}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.load(response)


def _kind(value):
    """What a property is, as a generator names it: the component it refers to, or its type
    (a translated `title` beside a reference, as `allOf`, names no class)."""
    refs = [v["$ref"] for v in value.get("allOf", [])] or [value.get("$ref")]
    return refs[0] or value.get("type")


def _titled_classes(node):
    """Enums and objects written inline with a title: a generator would name them after it."""
    if isinstance(node, dict):
        if "title" in node and ("enum" in node or "properties" in node):
            yield node["title"]
        for value in node.values():
            yield from _titled_classes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _titled_classes(value)


def _names(schema):
    """Every name a generator turns into a class or module: components, the references to
    them, operation ids, and parameter names with their schemas."""
    assert list(_titled_classes(schema["paths"])) == []
    assert list(_titled_classes(schema["components"])) == []
    operations = [op for item in schema["paths"].values() for op in item.values()]
    # One request body per write, under one media type: a generated client can send it.
    bodies = [op["requestBody"]["content"] for op in operations if "requestBody" in op]
    # status, link, file, verification, the three replies and the two bulk writes
    assert len(bodies) == 9
    assert all(len(content) == 1 for content in bodies)
    return {
        "components": sorted(schema["components"]["schemas"]),
        "operations": sorted(op["operationId"] for op in operations),
        "parameters": sorted(
            (op["operationId"], p["name"], json.dumps(p["schema"], sort_keys=True))
            for op in operations
            for p in op.get("parameters", [])
        ),
        "properties": sorted(
            (name, prop, _kind(value))
            for name, component in schema["components"]["schemas"].items()
            for prop, value in component.get("properties", {}).items()
        ),
    }


def _generate(schema, folder):
    source = folder / "schema.json"
    source.write_text(json.dumps(schema))
    tool = Path(sys.executable).with_name("openapi-python-client")
    # The generator formats its output with ruff, found on the PATH (the project's own).
    env = {"PATH": f"{tool.parent}:/usr/bin:/bin", "HOME": str(folder)}
    result = subprocess.run(
        [tool, "generate", "--path", source, "--meta", "none", "--output-path", folder / PACKAGE],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout
    return folder / PACKAGE


@pytest.fixture
def client_package(live_server, demo, tmp_path):
    spanish = _schema(live_server.url, "es-MX")
    english = _schema(live_server.url, "en")
    # The same schema in both languages: its descriptions are translated, nothing else.
    assert spanish["info"]["version"] == english["info"]["version"]
    assert spanish["info"]["description"] != english["info"]["description"]
    assert _names(spanish) == _names(english)
    package = _generate(spanish, tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        yield package
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        shutil.rmtree(package)


def _module(name):
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_every_generated_module_imports_and_its_names_are_ascii(client_package):
    modules = sorted(
        ".".join(path.relative_to(client_package.parent).with_suffix("").parts)
        for path in client_package.rglob("*.py")
    )
    assert f"{PACKAGE}.api.v1.v1_milestones_evidence_file_create" in modules
    assert f"{PACKAGE}.models.signal_enum" in modules
    for name in modules:
        assert name.isascii(), name
        module = importlib.import_module(name.removesuffix(".__init__"))
        assert all(attribute.isascii() for attribute in vars(module)), name
    # The milestone's version is in every read: a client has it to send with its writes.
    assert "version" in _module("models.milestone").Milestone.__annotations__


def test_writes_through_the_generated_client_reach_the_database(client_package, live_server):
    client_module = _module("client")
    models = _module("models")
    api = _module("api.v1")
    file_type = _module("types").File

    def client_for(username):
        key = ApiToken.issue(user=user(username), name="cliente generado")[1]
        return client_module.AuthenticatedClient(
            base_url=live_server.url, token=key, prefix="Token"
        )

    official, cso = client_for("oficial.guanajuato"), client_for("osc.guanajuato")
    target = milestone("MXGTO9004", 2)
    read = importlib.import_module(f"{api.__name__}.v1_milestones_retrieve")
    version = read.sync(id=target.pk, client=official).version
    assert version == target.version

    status = importlib.import_module(f"{api.__name__}.v1_milestones_status_create")
    progress = 95 if target.progress != 95 else 90  # a report that changes something
    report = models.StatusReport(
        version=version,
        status=models.MilestoneStatusEnum("in_progress"),
        progress=progress,
        note="Iniciativa entregada al Congreso",
    )
    answer = status.sync_detailed(id=target.pk, client=official, body=report)
    assert answer.status_code == 200, answer.content
    assert answer.parsed.version == version + 1
    saved = Milestone.objects.get(pk=target.pk)
    assert (saved.status, saved.progress, saved.version) == ("in_progress", progress, version + 1)

    # The same report again is based on a version that is no longer current: a 409 that
    # says which version is, and what changed.
    stale = status.sync_detailed(id=target.pk, client=official, body=report)
    assert stale.status_code == 409
    assert isinstance(stale.parsed, models.StaleVersionError)
    assert stale.parsed.current_version == version + 1
    assert [entry.version for entry in stale.parsed.newer] == [version + 1]

    link = importlib.import_module(f"{api.__name__}.v1_milestones_evidence_link_create")
    body = models.LinkEvidence(title="Minuta", url="https://www.guanajuato.gob.mx/minuta")
    answer = link.sync_detailed(id=target.pk, client=cso, body=body)
    assert answer.status_code == 201, answer.content
    assert isinstance(answer.parsed, models.Evidence)

    upload = importlib.import_module(f"{api.__name__}.v1_milestones_evidence_file_create")
    pdf = file_type(
        payload=io.BytesIO(PDF_BYTES), file_name="acta.pdf", mime_type="application/pdf"
    )
    body = models.FileEvidence(title="Acta de la sesión", file=pdf)
    answer = upload.sync_detailed(id=target.pk, client=official, body=body)
    assert answer.status_code == 201, answer.content
    evidence = {e.title: e for e in Evidence.objects.filter(milestone=target)}
    assert evidence.keys() == {"Minuta", "Acta de la sesión"}
    assert evidence["Minuta"].url == "https://www.guanajuato.gob.mx/minuta"
    assert evidence["Acta de la sesión"].file.read() == PDF_BYTES
    assert answer.parsed.sha256 == evidence["Acta de la sesión"].sha256

    verify = importlib.import_module(f"{api.__name__}.v1_milestones_verification_create")
    current = Milestone.objects.get(pk=target.pk).version
    body = models.Verification(version=current, result=models.ResultEnum("verified"))
    answer = verify.sync_detailed(id=target.pk, client=cso, body=body)
    assert answer.status_code == 200, answer.content
    verification = Verification.objects.get(milestone=target)
    assert verification.result == "verified"
    assert verification.organisation.name == "Colores del Rincón"

    # A body of the wrong media type is refused with the API's error, not a 500.
    refused = official.get_httpx_client().post(
        f"/api/v1/milestones/{target.pk}/status/", data={"version": str(current)}
    )
    assert refused.status_code == 415
    assert refused.json()["code"] == "unsupported_media_type"
