"""Status reports, verification, retraction and history, as officials and CSOs use them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from commitments import selectors, services
from commitments.models import HistoryEntry, Milestone, StatusUpdate, Transition, Verification

from .conftest import membership, milestone, user

pytestmark = pytest.mark.django_db


def report(milestone, who="oficial.guanajuato", **kw):
    milestone.refresh_from_db()
    args = {
        "milestone": milestone,
        "membership": membership(who),
        "base_version": milestone.version,
        "status": "in_progress",
        "progress": 90,
        "note": "Avance",
        "now": kw.pop("now"),
    }
    return services.report_status(**{**args, **kw})


def link(milestone, now, who="oficial.guanajuato", url="https://example.org/guia.pdf"):
    return services.add_link_evidence(
        milestone=milestone, membership=membership(who), url=url, title="Guía", now=now
    )


def test_status_report_writes_history_and_turns_the_light(gto, now):
    gto.refresh_from_db()
    version = gto.version

    update = report(gto, status="in_progress", progress=95, note="Falta imprenta", now=now)

    gto.refresh_from_db()
    assert (gto.status, gto.progress, gto.version) == ("in_progress", 95, version + 1)
    assert gto.last_activity_at == now
    assert update.author.username == "oficial.guanajuato"
    assert update.organisation.name == "Secretaría de la Honestidad"
    entry = HistoryEntry.objects.get(status_update=update)
    assert entry.action == "status_reported"
    assert entry.created_at == now
    assert entry.milestone_version == version + 1


def test_completed_requires_live_evidence(gto, now):
    with pytest.raises(ValidationError) as refused:
        report(gto, status="completed", now=now)
    assert "status" in refused.value.message_dict
    evidence = link(gto, now)
    services.retract_evidence(
        evidence=evidence, membership=membership("oficial.guanajuato"), reason="Error", now=now
    )
    # Retracted evidence does not count.
    with pytest.raises(ValidationError):
        report(gto, status="completed", now=now)
    link(gto, now, url="https://example.org/guia-final.pdf")

    report(gto, status="completed", progress=10, now=now)

    gto.refresh_from_db()
    assert (gto.status, gto.progress) == ("completed", 100)
    assert gto.completed_on == timezone.localdate(now)
    assert gto.signal == "green"


def test_completion_marks_the_light_green_at_once(demo, now):
    overdue = Milestone.objects.get(commitment__ogp_id="MXGTO9001", number=3)
    services.refresh_light(overdue, now=now, cause=Transition.Cause.CLOCK)
    overdue.refresh_from_db()
    assert overdue.signal == "red"
    link(overdue, now)
    report(overdue, status="completed", now=now)
    overdue.refresh_from_db()
    assert overdue.signal == "green"
    assert Transition.objects.filter(
        milestone=overdue, new_signal="green", cause="status_update"
    ).exists()


def test_the_last_evidence_of_a_completed_milestone_cannot_be_retracted(gto, now):
    evidence = link(gto, now)
    report(gto, status="completed", now=now)
    with pytest.raises(ValidationError):
        services.retract_evidence(
            evidence=evidence, membership=membership("oficial.guanajuato"), reason="x", now=now
        )
    evidence.refresh_from_db()
    assert not evidence.is_retracted


def test_retraction_needs_a_reason_and_keeps_the_evidence(client, gto, now):
    evidence = link(gto, now, who="osc.guanajuato")
    client.force_login(user("osc.guanajuato"))
    url = reverse("panel:retract-evidence", kwargs={"pk": evidence.pk})
    assert client.post(url, {"retract-reason": "  "}).status_code == 400
    evidence.refresh_from_db()
    assert not evidence.is_retracted

    assert client.post(url, {"retract-reason": "Liga rota"}).status_code == 302
    evidence.refresh_from_db()
    assert evidence.retraction_reason == "Liga rota"
    assert evidence.retracted_by.username == "osc.guanajuato"
    html = client.get(reverse("public:commitment", kwargs={"ogp_id": "MXGTO9004"})).content
    assert "<del>Guía</del>" in html.decode()


def test_dispute_requires_a_reason(client, gto):
    client.force_login(user("osc.guanajuato"))
    response = client.post(
        reverse("panel:verify", kwargs={"pk": gto.pk}),
        {"verification-version": gto.version, "verification-result": "disputed"},
    )
    assert response.status_code == 400
    assert not Verification.objects.filter(milestone=gto).exists()


def test_concurrent_edits_second_refused_first_kept(client, gto):
    """Two officials open the same milestone; the second save, based on the old version,
    is refused with the first change shown, and the first change stays."""
    gto.refresh_from_db()
    seen = gto.version
    url = reverse("panel:report-status", kwargs={"pk": gto.pk})
    form = {"status-version": seen, "status-status": "in_progress"}
    client.force_login(user("oficial.guanajuato"))

    first = client.post(url, {**form, "status-progress": 90, "status-note": "Primera edición"})
    second = client.post(url, {**form, "status-progress": 20, "status-note": "Segunda edición"})

    assert first.status_code == 302
    assert second.status_code == 409
    html = second.content.decode()
    assert "Tu cambio no se guardó" in html
    assert "Primera edición" in html
    gto.refresh_from_db()
    assert (gto.progress, gto.version) == (90, seen + 1)
    assert list(
        StatusUpdate.objects.filter(milestone=gto, version__isnull=False).values_list(
            "note", flat=True
        )
    ) == ["Primera edición"]


def test_a_verification_of_an_older_report_is_refused(gto, now):
    gto.refresh_from_db()
    seen = gto.version
    report(gto, progress=95, now=now)
    with pytest.raises(services.StaleVersion) as stale:
        services.record_verification(
            milestone=gto,
            membership=membership("osc.guanajuato"),
            base_version=seen,
            result="verified",
            now=now,
        )
    assert [e.status_update.new_progress for e in stale.value.newer] == [95]
    assert not Verification.objects.filter(milestone=gto).exists()


def test_public_page_shows_status_beside_a_highlighted_dispute(
    client, gto, now, django_capture_on_commit_callbacks
):
    gto.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.record_verification(
            milestone=gto,
            membership=membership("osc.guanajuato"),
            base_version=gto.version,
            result="disputed",
            reason="La guía no se ha publicado",
            now=now,
        )

    def section_of_gto():
        # The milestone's own section (the demo disputes another milestone of the commitment).
        html = client.get(reverse("public:commitment", kwargs={"ogp_id": "MXGTO9004"})).content
        return html.decode().split(f'id="hito-{gto.number}"')[1].split('class="milestone"')[0]

    html = section_of_gto()
    assert 'class="status-pair disputed"' in html
    assert "En disputa" in html
    assert "La guía no se ha publicado" in html
    assert "Colores del Rincón" in html
    # A new government report makes the old verdict "awaiting verification", not current
    # (on the page as soon as the report commits).
    with django_capture_on_commit_callbacks(execute=True):
        report(gto, progress=95, now=now)
    assert 'class="status-pair disputed"' not in section_of_gto()


def test_dashboard_groups_the_states_milestones(client, demo, now):
    groups = selectors.dashboard(user=user("oficial.guanajuato"), now=now)
    every = {m.pk for ms in groups.values() for m in ms}
    states = set(
        Milestone.objects.filter(pk__in=every).values_list(
            "commitment__action_plan__state__slug", flat=True
        )
    )
    assert states == {"guanajuato"}
    overdue = Milestone.objects.get(commitment__ogp_id="MXGTO9001", number=3)
    assert overdue in groups["overdue"]
    assert all(m.status != "completed" for m in groups["overdue"] + groups["due_soon"])

    client.force_login(user("osc.guanajuato"))
    html = client.get(reverse("panel:dashboard")).content.decode()
    assert "Vencidos" in html
    assert "En espera de verificación de la sociedad civil" in html
    assert "MXNLE" not in html


def test_dashboard_refuses_people_without_a_role(client, demo):
    assert client.get(reverse("panel:dashboard")).status_code == 302
    client.force_login(user("admin"))
    assert client.get(reverse("panel:dashboard")).status_code == 403


def test_admin_cannot_change_a_reported_status_behind_the_history(client, gto):
    client.force_login(user("admin"))
    html = client.get(reverse("admin:commitments_milestone_change", args=[gto.pk])).content
    assert b'name="status"' not in html
    assert b'name="progress"' not in html


def test_admin_evidence_upload_is_checked_like_the_panel(client, gto):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from commitments.models import Evidence

    client.force_login(user("admin"))
    response = client.post(
        reverse("admin:commitments_evidence_add"),
        {
            "milestone": gto.pk,
            "kind": "document",
            "title": "Disfrazado",
            "file": SimpleUploadedFile("x.pdf", b"<html><script>1</script></html>"),
            "organisation": membership("oficial.guanajuato").organisation.pk,
            "submitted_at_0": "2026-11-01",
            "submitted_at_1": "10:00:00",
        },
    )
    assert response.status_code == 200
    assert "página web" in response.content.decode()
    assert not Evidence.objects.filter(title="Disfrazado").exists()


def test_the_database_refuses_a_dispute_without_reason(gto):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Verification.objects.create(
            milestone=gto,
            milestone_version=gto.version,
            status=gto.status,
            progress=gto.progress,
            result="disputed",
            reason="",
            author=user("osc.guanajuato"),
            organisation=membership("osc.guanajuato").organisation,
        )


def test_panel_history_names_the_author(client, gto, now):
    report(gto, progress=95, note="Falta imprenta", now=now)
    client.force_login(user("osc.guanajuato"))
    html = client.get(reverse("panel:milestone", kwargs={"pk": gto.pk})).content.decode()
    assert "Estatus reportado · Ana, Secretaría de la Honestidad — Falta imprenta" in html


def test_nobody_verifies_a_status_they_reported_themselves(demo):
    from django.core.exceptions import ValidationError

    from commitments import services
    from states.models import Membership, Organisation

    m = milestone("MXGTO9004", 2)
    official = membership("oficial.guanajuato")
    # The same person also holds a civil-society role in Guanajuato.
    Membership.objects.create(
        user=official.user,
        state=official.state,
        organisation=Organisation.objects.get(name="Kybernus Guanajuato"),
        role="cso",
    )
    cso_role = Membership.objects.get(user=official.user, role="cso")
    now = timezone.now()
    services.report_status(
        milestone=m, membership=official, base_version=m.version, status="in_progress",
        progress=90, note="Casi listo", now=now,
    )  # fmt: skip
    m.refresh_from_db()
    with pytest.raises(ValidationError, match="alguien más debe verificarlo"):
        services.record_verification(
            milestone=m, membership=cso_role, base_version=m.version, result="verified", now=now
        )
    services.record_verification(
        milestone=m, membership=membership("osc.guanajuato"), base_version=m.version,
        result="verified", now=now,
    )  # fmt: skip
