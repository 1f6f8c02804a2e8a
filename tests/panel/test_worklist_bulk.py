"""The worklist (every milestone one may act on, filtered, sorted, paginated, with what needs
one first) and the bulk screen (many milestones in one submit, each row on its own: a
conflict or an error is reported on its row, nothing typed is lost, the rest is saved)."""

import pytest
from django.urls import reverse

from commitments import permissions, services
from commitments.models import Milestone, StatusUpdate, Verification
from states.models import State

from .conftest import membership, user

pytestmark = pytest.mark.django_db

WORKLIST = reverse("panel:worklist")
BULK = reverse("panel:bulk")


def _unfinished(username, count):
    return list(
        permissions.workable_milestones(user(username))
        .exclude(status=Milestone.Status.COMPLETED)
        .order_by("pk")[:count]
    )


def test_the_worklist_lists_what_the_official_may_act_on_needs_first(client, demo):
    client.force_login(user("oficial.guanajuato"))
    response = client.get(WORKLIST)
    assert response.status_code == 200
    page = list(response.context["page"].object_list)
    expected = set(
        permissions.workable_milestones(user("oficial.guanajuato")).values_list("pk", flat=True)
    )
    assert {m.pk for m in page} == expected
    counts = response.context["counts"]
    assert counts["total"] == len(expected)
    # What needs a report comes first.
    needing = [m for m in page if m.light_reason in ("overdue", "stale", "due_soon", "quiet")]
    assert needing and page[: len(needing)] == needing
    assert counts["needs_report"] == len([m for m in needing if m.status != "completed"])
    html = response.content.decode()
    assert "Necesitan tu reporte" in html


def test_worklist_filters_search_and_sorts(client, demo):
    client.force_login(user("osc.guanajuato"))  # civil society: every milestone of the state
    everything = client.get(WORKLIST).context["page"].paginator.count
    red = client.get(WORKLIST, {"luz": "red"}).context["page"].object_list
    assert red and all(m.signal == "red" for m in red)
    disputed = client.get(WORKLIST, {"necesita": "disputa"}).context["page"].object_list
    assert disputed and all(m.is_disputed for m in disputed)
    found = client.get(WORKLIST, {"q": "MXGTO9004"}).context["page"].object_list
    assert found and {m.commitment.ogp_id for m in found} == {"MXGTO9004"}
    undated = client.get(WORKLIST, {"vence": "sin-fecha"}).context["page"].object_list
    assert all(m.due_on is None for m in undated)
    by_date = list(client.get(WORKLIST, {"orden": "vencimiento"}).context["page"].object_list)
    dates = [m.due_on for m in by_date if m.due_on]
    assert dates == sorted(dates)
    assert len(by_date) == everything
    # Nonsense from outside is a form error, not a 500.
    assert client.get(WORKLIST, {"luz": "morado", "plan": "x", "pagina": "zz"}).status_code == 200


def test_the_worklist_is_paginated(client, demo, monkeypatch):
    from panel import worklist

    monkeypatch.setattr(worklist, "PAGE_SIZE", 3)
    client.force_login(user("osc.guanajuato"))
    first = client.get(WORKLIST).context["page"]
    second = client.get(WORKLIST, {"pagina": 2}).context["page"]
    assert len(first.object_list) == 3 and first.has_next()
    assert not {m.pk for m in first} & {m.pk for m in second}
    assert 'rel="next"' in client.get(WORKLIST).content.decode()


def _status_post(rows, *, common_note=""):
    data = {"modo": "estatus", "hitos": [m.pk for m, _change in rows], "nota_comun": common_note}
    for milestone, change in rows:
        prefix = f"m{milestone.pk}"
        data[f"{prefix}-version"] = milestone.version
        data[f"{prefix}-status"] = change.get("status", milestone.status)
        data[f"{prefix}-progress"] = change.get("progress", milestone.progress)
        data[f"{prefix}-note"] = change.get("note", "")
    return data


def test_bulk_saves_each_row_and_reports_a_conflict_on_its_own_row(client, demo, now):
    State.objects.filter(slug="guanajuato").update(any_official_may_report=True)
    first, second, third, untouched = _unfinished("oficial.guanajuato", 4)
    page = _status_post(
        [
            (first, {"progress": 55, "status": "in_progress", "note": "Mitad del camino"}),
            (second, {"progress": 45, "status": "in_progress"}),  # takes the common note
            (third, {"progress": 65, "status": "in_progress", "note": "Mío"}),
            (untouched, {}),
        ],
        common_note="Avance del trimestre",
    )
    # Someone else reports on the third after the page was opened.
    services.report_status(
        milestone=third,
        membership=membership("oficial.guanajuato"),
        base_version=third.version,
        status="in_progress",
        progress=60,
        note="Reporte de otra persona",
        now=now,
    )
    before_untouched = StatusUpdate.objects.filter(milestone=untouched).count()
    client.force_login(user("oficial.guanajuato"))

    response = client.post(BULK, page)

    assert response.status_code == 409
    for milestone, progress, note in [
        (first, 55, "Mitad del camino"),
        (second, 45, "Avance del trimestre"),
    ]:
        milestone.refresh_from_db()
        assert milestone.progress == progress
        assert StatusUpdate.objects.filter(milestone=milestone).latest("id").note == note
    third.refresh_from_db()
    assert third.progress == 60  # the other person's report stands
    assert StatusUpdate.objects.filter(milestone=untouched).count() == before_untouched
    html = response.content.decode()
    assert "2 filas guardadas" in html and "1 fila sin guardar" in html
    assert "Reporte de otra persona" in html  # what changed meanwhile
    # The person's input is kept in the row, on the current version: sending it again applies.
    row = next(r for r in response.context["rows"] if r.milestone_id == third.pk)
    assert row.outcome == "conflict"
    assert row.form["note"].value() == "Mío"
    assert str(row.form["version"].value()) == str(third.version)
    again = dict(page)
    again["hitos"] = [third.pk]
    again[f"m{third.pk}-version"] = third.version
    assert client.post(BULK, again).status_code == 302
    third.refresh_from_db()
    assert third.progress == 65


def test_bulk_rows_with_errors_or_out_of_scope_are_refused_on_their_row(client, demo):
    mine = _unfinished("oficial.guanajuato", 1)[0]
    outside = (
        Milestone.objects.filter(commitment__ogp_id="MXGTO9001")
        .exclude(status=Milestone.Status.COMPLETED)
        .first()
    )
    client.force_login(user("oficial.guanajuato"))
    response = client.post(
        BULK,
        _status_post(
            [
                (mine, {"progress": 150, "status": "in_progress", "note": "Demasiado"}),
                (outside, {"progress": 10, "status": "in_progress", "note": "Ajeno"}),
            ]
        ),
    )
    assert response.status_code == 400
    outcomes = {r.milestone_id: r.outcome for r in response.context["failed"]}
    assert outcomes == {mine.pk: "invalid", outside.pk: "forbidden"}
    html = response.content.decode()
    assert 'id="error-summary"' in html and f'href="#m{mine.pk}"' in html
    assert "Demasiado" in html and "Ajeno" in html  # nothing typed is lost
    assert not StatusUpdate.objects.filter(note__in=["Demasiado", "Ajeno"]).exists()


def test_a_row_with_only_a_note_is_a_check_and_keeps_the_clock(client, demo):
    milestone = _unfinished("oficial.guanajuato", 1)[0]
    version, activity = milestone.version, milestone.last_activity_at
    client.force_login(user("oficial.guanajuato"))
    response = client.post(BULK, _status_post([(milestone, {"note": "Sin cambios"})]))
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.version, milestone.last_activity_at) == (version, activity)
    assert StatusUpdate.objects.filter(milestone=milestone).latest("id").note == "Sin cambios"


def test_nothing_changed_writes_nothing(client, demo):
    rows = [(m, {}) for m in _unfinished("oficial.guanajuato", 2)]
    before = StatusUpdate.objects.count()
    client.force_login(user("oficial.guanajuato"))
    response = client.post(BULK, _status_post(rows), follow=True)
    assert StatusUpdate.objects.count() == before
    assert "no se cambió nada" in response.content.decode().lower()


def test_civil_society_verifies_many_in_one_submit(client, demo):
    candidates = [
        m
        for m in permissions.workable_milestones(user("osc.guanajuato")).exclude(
            status=Milestone.Status.NOT_STARTED
        )
        if not m.is_disputed
    ][:3]
    verified, disputed, untouched = candidates
    client.force_login(user("osc.guanajuato"))
    page = client.get(BULK, {"modo": "verificacion", "hitos": [m.pk for m in candidates]})
    assert page.status_code == 200 and len(page.context["rows"]) == 3
    data = {"modo": "verificacion", "hitos": [m.pk for m in candidates]}
    for m in candidates:
        data[f"m{m.pk}-version"] = m.version
    data[f"m{verified.pk}-result"] = "verified"
    data[f"m{disputed.pk}-result"] = "disputed"
    data[f"m{disputed.pk}-reason"] = "No encontramos el documento"
    before = Verification.objects.filter(milestone=untouched).count()
    assert client.post(BULK, data).status_code == 302
    assert Verification.objects.filter(milestone=verified).latest("id").result == "verified"
    assert Verification.objects.filter(milestone=disputed).latest("id").result == "disputed"
    assert Verification.objects.filter(milestone=untouched).count() == before


def test_a_dispute_without_reason_is_refused_on_its_row(client, demo):
    target = (
        permissions.workable_milestones(user("osc.guanajuato"))
        .exclude(status=Milestone.Status.NOT_STARTED)
        .exclude(verification_status="disputed")
        .first()
    )
    client.force_login(user("osc.guanajuato"))
    data = {
        "modo": "verificacion",
        "hitos": [target.pk],
        f"m{target.pk}-version": target.version,
        f"m{target.pk}-result": "disputed",
    }
    response = client.post(BULK, data)
    assert response.status_code == 400
    assert response.context["failed"][0].errors["reason"]


def test_nonsense_ids_are_dropped_not_a_500(client, demo):
    client.force_login(user("oficial.guanajuato"))
    for ids in (["9" * 30], ["-1", "x", ""]):
        assert client.get(BULK, {"hitos": ids}).status_code == 200
        assert client.post(BULK, {"hitos": ids}).status_code == 302


def test_the_bulk_screen_needs_sign_in_and_a_role(client, demo):
    assert client.get(BULK).status_code == 302
    client.force_login(user("admin"))
    assert client.get(BULK).status_code == 403
    assert client.get(WORKLIST).status_code == 403


def test_a_refused_form_is_summarised_at_the_top_with_links_to_its_fields(client, gto):
    client.force_login(user("oficial.guanajuato"))
    response = client.post(
        reverse("panel:report-status", kwargs={"pk": gto.pk}),
        {"status-version": gto.version, "status-status": "in_progress", "status-progress": 100},
    )
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[
        html.index('id="error-summary"') : html.index("</div>", html.index("error-summary"))
    ]
    assert 'href="#id_status-note"' in summary  # the note is required
    assert html.index('id="error-summary"') < html.index('id="form-status"')
