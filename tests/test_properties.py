"""Property-based tests (hypothesis): whatever a visitor, a contributor or an integration
sends to any form, the importer or the API's writes, the answer is never a server error.

Each test sends generated input through the real door (the test client, so every middleware
runs) and checks the status is one the door documents. Inputs mix arbitrary text (NUL and
other control characters included) with values known to have broken things: dates outside
any calendar, digits of other scripts, lone surrogates in JSON, huge numbers. The number of
examples comes from the hypothesis profile (tests/conftest.py): few in CI, more with
`HYPOTHESIS_PROFILE=thorough`.
"""

import csv
import datetime as dt
import io
import json
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts import services as account_services
from accounts.models import ApiToken
from commitments import importer, services
from commitments.models import Milestone
from states.models import Organisation, State
from tests.clock import NOW
from tests.panel.conftest import PASSWORD, membership, milestone, user
from tests.test_import import EXAMPLE, rows_of

pytestmark = pytest.mark.django_db

# Values that once broke something, or would: mixed into every generated field.
HOSTILE = [
    "", " ", "\x00", "a\x00b", "²", "١٢٣", "𝟙𝟚", "0", "-1", "1e309", "NaN", "99999999999999999999",
    "0001-01-01", "9999-12-31", "2025-02-30", "31/12/9999", "1989-12-31", "2100-12-31",
    "<script>alert(1)</script>", "=1+1", "javascript:alert(1)", "http://", "https://x/\x00",
    "’‘“”", "\u202e", "\ufeff", "a" * 5000, "completed", "in_progress", "verified", "disputed",
]  # fmt: skip


def text(max_size=40):
    return st.one_of(st.sampled_from(HOSTILE), st.text(max_size=max_size))


def number():
    return st.one_of(st.integers(-(2**63), 2**63).map(str), text())


def date():
    return st.one_of(st.dates().map(lambda d: d.isoformat()), text())


def json_value():
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text(),
        # Lone surrogates: json.dumps writes them as \udxxx escapes.
        st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3),
    )  # fmt: skip
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text(), inner, max_size=3),
        max_leaves=6,
    )


CURRENT = "(the milestone's current version)"


def with_current_version(data, m):
    current = Milestone.objects.get(pk=m.pk).version
    return {k: (current if v == CURRENT else v) for k, v in data.items()}


def file_name(name):
    # What a browser can send: a name with a last component (Django's client needs one).
    return name if os.path.basename(name) not in {"", ".", ".."} else "archivo"


def not_a_server_error(response, allowed):
    assert response.status_code < 500, response.content[:500]
    assert response.status_code in allowed, (response.status_code, response.content[:300])


@pytest.fixture
def gto(demo):
    return milestone("MXGTO9004", 2)


# The contributor panel ------------------------------------------------------------------


def changed(valid, extra=()):
    """A form that passes (`valid`) with one or two of its fields, or of `extra`, changed:
    it reaches the service, where a form generated whole rarely gets past its first field."""
    fields = st.sampled_from([*valid, *extra])
    values = st.one_of(text(), date(), number())
    changes = st.dictionaries(fields, values, min_size=1, max_size=2)
    return st.one_of(changes.map(lambda c: {**valid, **c}), st.just(valid))


@given(
    data=changed(
        {
            "status-version": CURRENT,
            "status-status": "in_progress",
            "status-progress": "60",
            "status-note": "Avance",
        },
        extra=["status-started_on", "status-completed_on"],
    )
)
def test_status_form(client, gto, data):
    client.force_login(user("oficial.guanajuato"))
    response = client.post(f"/panel/hitos/{gto.pk}/estatus/", with_current_version(data, gto))
    not_a_server_error(response, {302, 400, 409})


FILE_STARTS = [b"", b"%PDF-1.7\n", b"PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"<html>", b"\xef\xbb\xbf"]


@given(
    data=changed(
        {"evidence-title": "Minuta", "evidence-url": "https://example.org/minuta"},
        extra=["evidence-description"],
    ),
    content=st.tuples(st.sampled_from(FILE_STARTS), st.binary(max_size=300)).map(b"".join),
    name=text(20),
    with_file=st.booleans(),
)
def test_evidence_form(client, gto, data, content, name, with_file):
    client.force_login(user("osc.guanajuato"))
    if with_file:
        data = {
            **data,
            "evidence-url": "",
            "evidence-file": SimpleUploadedFile(file_name(name), content),
        }
    response = client.post(f"/panel/hitos/{gto.pk}/evidencia/", data)
    not_a_server_error(response, {302, 400})


@given(
    data=changed(
        {
            "verification-version": CURRENT,
            "verification-result": "disputed",
            "verification-reason": "Sin evidencia",
        }
    )
)
def test_verification_form(client, gto, data):
    client.force_login(user("osc.guanajuato"))
    data = with_current_version(data, gto)
    response = client.post(f"/panel/hitos/{gto.pk}/verificacion/", data)
    not_a_server_error(response, {302, 400, 409})


@pytest.fixture
def evidence(gto):
    return services.add_link_evidence(
        milestone=gto,
        membership=membership("osc.guanajuato"),
        title="Minuta",
        url="https://example.org/minuta",
        now=NOW,
    )


@given(reason=text())
def test_retract_form(client, evidence, reason):
    client.force_login(user("osc.guanajuato"))
    response = client.post(f"/panel/evidencia/{evidence.pk}/retirar/", {"retract-reason": reason})
    not_a_server_error(response, {302, 400})


@given(name=text(120))
def test_token_form(client, demo, name):
    client.force_login(user("oficial.guanajuato"))
    not_a_server_error(client.post("/panel/tokens/", {"name": name}), {200})


# Visitors: follow, sign-in, password reset, invitations, filters ------------------------


@given(email=st.one_of(st.emails(), text()), subject=st.sampled_from(["estado", "compromiso"]))
def test_follow_form(client, demo, email, subject):
    path = "/seguir/estado/guanajuato/" if subject == "estado" else "/seguir/compromiso/MXGTO9004/"
    # 429 once a budget of follow requests is spent (another part of issue 14).
    not_a_server_error(client.post(path, {"email": email}), {200, 400, 429})


@given(username=st.one_of(st.just("oficial.guanajuato"), text()), password=text())
def test_sign_in_form(client, demo, username, password):
    response = client.post("/cuenta/entrar/", {"username": username, "password": password})
    # 200: the form again; 302: signed in; 403/429: locked out after failed attempts.
    not_a_server_error(response, {200, 302, 403, 429})


@given(email=st.one_of(st.emails(), st.just("oficial.guanajuato@example.org"), text()))
def test_password_reset_form(client, demo, email):
    response = client.post("/cuenta/contrasena/olvide/", {"email": email})
    not_a_server_error(response, {200, 302, 429})


@given(
    data=st.fixed_dictionaries(
        {
            "username": text(),
            "first_name": text(),
            "last_name": text(),
            "password1": st.one_of(st.just(PASSWORD + "-nueva"), text()),
            "password2": st.one_of(st.just(PASSWORD + "-nueva"), text()),
        }
    )
)
def test_invitation_form(client, demo, data):
    _invitation, link = account_services.invite(
        email="invitada@example.org",
        state=State.objects.get(slug="guanajuato"),
        organisation=Organisation.objects.get(name="Kybernus Guanajuato"),
        role="cso",
        invited_by=user("admin"),
        now=NOW,
    )
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path, data)
    client.logout()
    not_a_server_error(response, {200, 302, 410})


PAGE_FILTERS = {
    "/estados/guanajuato/": ["q", "plan", "estatus", "valor", "institucion", "tema", "alerta",
                             "orden", "pagina"],
    "/en/estados/nuevo-leon/": ["q", "plan", "orden", "pagina"],
    "/instituciones/": ["estado"],
    "/semaforo/": ["estado", "agrupar"],
}  # fmt: skip


@given(
    page=st.sampled_from(sorted(PAGE_FILTERS)),
    values=st.lists(text(), min_size=9, max_size=9),
    extra=st.dictionaries(text(8), text(), max_size=2),
)
def test_public_page_filters(client, demo, page, values, extra):
    query = dict(zip(PAGE_FILTERS[page], values, strict=False)) | extra
    not_a_server_error(client.get(page, query), {200, 400, 404})


# The importer ----------------------------------------------------------------------------


DATES = [c for c in importer.OURS if c.endswith("_on")]
NUMBERS = [c for c in importer.OURS if c.endswith("_number")]
TEXTS = [c for c in importer.OURS if c not in DATES + NUMBERS]


def cell():
    """(row, column, value): a date, a number or a text where the file has one."""
    row = st.integers(0, 5)
    later = st.one_of(st.just(dt.date.max), st.dates(dt.date(2030, 1, 1)))
    return st.one_of(
        st.tuples(row, st.sampled_from(DATES), st.dates().map(lambda d: d.isoformat())),
        st.tuples(row, st.sampled_from(DATES), st.dates().map(lambda d: f"{d:%d/%m}/{d.year:04d}")),
        st.tuples(row, st.sampled_from(DATES), text()),
        # A due date moved later, however far (the example's milestones end by 2029).
        st.tuples(row, st.just("milestone_due_on"), later.map(str)),
        st.tuples(row, st.sampled_from(NUMBERS), number()),
        st.tuples(row, st.sampled_from(TEXTS), text()),
    )


@given(cells=st.lists(cell(), min_size=1, max_size=3))
@hypothesis_settings(max_examples=2 * hypothesis_settings().max_examples)
def test_importer(client, demo, cells):
    rows = rows_of()
    for index, column, value in cells:
        # As a person edits a plan: a plan's or a commitment's cell on each of its rows.
        if column.startswith("milestone_") or column == "deliverable":
            targets = [rows[index]]
        elif column.startswith("plan_"):
            targets = rows
        else:
            targets = [row for row in rows if row["ogp_id"] == rows[index]["ogp_id"]]
        for row in targets:
            row[column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=importer.OURS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    state = State.objects.get(slug="guanajuato")
    try:
        report = importer.import_plan(out.getvalue().encode(), state=state, now=NOW)
    except importer.InvalidFile as invalid:
        assert invalid.problems
        assert all(str(problem) for problem in invalid.problems)
        return
    assert report.rows == len(rows)
    # What was imported is shown: a due date of 9999-12-31 once made these pages fail.
    for ogp_id in {row["ogp_id"] for row in rows}:
        not_a_server_error(client.get(f"/compromisos/{ogp_id}/"), {200})
    not_a_server_error(client.get("/estados/guanajuato/"), {200})


@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_importer_admin_upload(client, staff, data):
    client.force_login(staff)
    response = client.post(
        "/admin/commitments/actionplan/importar/",
        {
            "state": State.objects.get(slug="guanajuato").pk,
            "file": SimpleUploadedFile("p.csv", data),
        },
    )
    not_a_server_error(response, {200, 302, 400})


def test_the_example_file_is_what_the_importer_tests_start_from():
    assert len(rows_of()) == 6 == EXAMPLE.read_text().count("\n") - 1


# The API's writes ------------------------------------------------------------------------


@pytest.fixture
def tokens(demo):
    return {
        who: ApiToken.issue(user=user(who), name="propiedades")[1]
        for who in ("oficial.guanajuato", "osc.guanajuato")
    }


def _field_or_json():
    return st.one_of(text(), number(), json_value())


# A body each endpoint accepts (with the current version), for generated changes to start
# from: a change or two to a valid body reaches the forms and the services, where a body
# generated whole rarely gets past the first check.
VALID_BODIES = {
    "status": {"version": CURRENT, "status": "in_progress", "progress": 60, "note": "Avance"},
    "evidence": {"title": "Minuta", "url": "https://example.org/minuta"},
    "verification": {"version": CURRENT, "result": "disputed", "reason": "Sin evidencia"},
}
# Strings JSON can carry and a form cannot: lone surrogates (escaped by json.dumps).
JSON_ONLY = ["\ud800", "Avance \udfff", "\udc80\ud800"]


def _changed_value():
    return st.one_of(st.sampled_from(JSON_ONLY), date(), _field_or_json())


@given(
    endpoint=st.sampled_from(sorted(VALID_BODIES)),
    data=st.data(),
    whole=st.sampled_from([False, False, False, True]),
    official=st.booleans(),
)
@hypothesis_settings(max_examples=3 * hypothesis_settings().max_examples)
def test_api_writes_with_json(client, gto, tokens, endpoint, data, whole, official):
    # Mostly a valid body with one or two of its fields (or an extra one) changed.
    fields = st.sampled_from([*VALID_BODIES[endpoint], "started_on", "completed_on", "file"])
    changes = data.draw(st.dictionaries(fields, _changed_value(), min_size=1, max_size=2))
    whole = data.draw(json_value()) if whole else None
    who = "oficial.guanajuato" if official else "osc.guanajuato"
    body = whole if whole is not None else {**VALID_BODIES[endpoint], **changes}
    if isinstance(body, dict):
        body = with_current_version(body, gto)
    response = client.post(
        f"/api/v1/milestones/{gto.pk}/{endpoint}/",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {tokens[who]}",
    )
    not_a_server_error(response, {200, 201, 400, 403, 409})
    assert "code" in response.json() or response.status_code in (200, 201)


@given(
    title=text(),
    content=st.tuples(st.sampled_from(FILE_STARTS), st.binary(max_size=300)).map(b"".join),
    name=text(20),
)
def test_api_evidence_with_a_file(client, gto, tokens, title, content, name):
    response = client.post(
        f"/api/v1/milestones/{gto.pk}/evidence/",
        {"title": title, "file": SimpleUploadedFile(file_name(name), content)},
        HTTP_AUTHORIZATION=f"Token {tokens['osc.guanajuato']}",
    )
    not_a_server_error(response, {201, 400})
