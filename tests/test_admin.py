"""Every model is manageable in the admin; history cannot be edited there."""

import pytest
from django.urls import reverse

from commitments.models import Commitment, Milestone, StatusUpdate
from ops import outbox
from ops.models import OutboxMessage
from states.models import State

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    ("states", "state"),
    ("states", "organisation"),
    ("states", "membership"),
    ("commitments", "actionplan"),
    ("commitments", "commitment"),
    ("commitments", "milestone"),
    ("commitments", "evidence"),
    ("commitments", "statusupdate"),
    ("commitments", "transition"),
    ("commitments", "verification"),
    ("commitments", "historyentry"),
    ("commitments", "rankingsnapshot"),
    ("accounts", "user"),
    ("accounts", "invitation"),
    ("ops", "outboxmessage"),
]


@pytest.fixture
def staff_client(client, demo, django_user_model):
    client.force_login(django_user_model.objects.get(username="admin"))
    return client


@pytest.mark.parametrize(("app", "model"), CHANGELISTS)
def test_changelist_with_search(staff_client, app, model):
    url = reverse(f"admin:{app}_{model}_changelist")
    assert staff_client.get(url).status_code == 200
    assert staff_client.get(url, {"q": "Nuevo"}).status_code == 200


def test_commitment_page_has_milestone_inline_and_autocomplete(staff_client):
    commitment = Commitment.objects.get(ogp_id="MXNLE0001")
    html = staff_client.get(
        reverse("admin:commitments_commitment_change", args=[commitment.pk])
    ).content.decode()
    assert "milestones-TOTAL_FORMS" in html
    assert 'class="admin-autocomplete' in html
    response = staff_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "commitments",
            "model_name": "commitment",
            "field_name": "lead_institution",
            "term": "Participación",
        },
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["text"] == "Secretaría de Participación Ciudadana"


def test_commitments_filter_by_state(staff_client):
    url = reverse("admin:commitments_commitment_changelist")
    nl = State.objects.get(slug="nuevo-leon")
    html = staff_client.get(url, {"action_plan__state__id__exact": nl.pk}).content.decode()
    assert "MXNLE0001" in html
    assert "MXGTO9001" not in html


def test_status_history_is_read_only(staff_client):
    update = StatusUpdate.objects.first()
    change = reverse("admin:commitments_statusupdate_change", args=[update.pk])
    response = staff_client.post(change, {"note": "reescrito"})
    update.refresh_from_db()
    assert update.note != "reescrito"
    delete = reverse("admin:commitments_statusupdate_delete", args=[update.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert StatusUpdate.objects.filter(pk=update.pk).exists()
    assert staff_client.get(reverse("admin:commitments_statusupdate_add")).status_code == 403
    assert response.status_code in (302, 403)


def test_milestone_edit_in_admin(staff_client):
    milestone = Milestone.objects.get(commitment__ogp_id="MXGTO9006", number=3)
    url = reverse("admin:commitments_milestone_change", args=[milestone.pk])
    assert staff_client.get(url).status_code == 200


def test_evidence_files_are_linked_through_the_download_view(staff_client):
    from commitments.models import Evidence

    evidence = Evidence.objects.exclude(file="").select_related("milestone").first()
    assert evidence is not None, "the demo data has no evidence file"
    download = reverse("public:evidence-file", kwargs={"pk": evidence.pk})
    page = staff_client.get(reverse("admin:commitments_evidence_change", args=[evidence.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'href="{download}"' in html
    # Neither the storage's own URL nor a field to replace the hashed file.
    assert evidence.file.url not in html
    assert 'type="file"' not in html
    milestone = staff_client.get(
        reverse("admin:commitments_milestone_change", args=[evidence.milestone.pk])
    ).content.decode()
    assert f'href="{download}"' in milestone
    assert evidence.file.url not in milestone
    assert staff_client.get(download).status_code == 200


def test_outbox_shows_what_the_relay_gave_up_on_and_sends_it_again(staff_client):
    given_up = OutboxMessage.objects.create(
        task="alerts.process_transitions",
        attempts=outbox.MAX_ATTEMPTS,
        last_error="NotRegistered: 'alerts.process_transitions'",
    )
    sent = OutboxMessage.objects.create(task="alerts.send_digests", sent_at=given_up.created_at)
    url = reverse("admin:ops_outboxmessage_changelist")
    html = staff_client.get(url, {"state": "given_up"}, HTTP_ACCEPT_LANGUAGE="es-mx")
    html = html.content.decode()
    assert "Abandonado" in html and "NotRegistered" in html
    assert "?state=given_up" in html
    assert staff_client.get(url, {"state": "given_up"}).context["cl"].result_count == 1
    waiting = outbox.waiting_count()

    response = staff_client.post(
        url,
        {"action": "retry", "_selected_action": [given_up.pk, sent.pk]},
        HTTP_ACCEPT_LANGUAGE="es-mx",
        follow=True,
    )
    assert "1 mensaje se enviará de nuevo" in response.content.decode()
    given_up.refresh_from_db()
    assert (given_up.attempts, given_up.last_error) == (0, "")
    # The relay picks it up again; the sent one is left as it was.
    assert outbox.waiting_count() == waiting + 1
    assert OutboxMessage.objects.get(pk=sent.pk).sent_at == given_up.created_at


def test_outbox_messages_are_read_only(staff_client):
    message = OutboxMessage.objects.create(task="alerts.process_transitions")
    change = reverse("admin:ops_outboxmessage_change", args=[message.pk])
    assert staff_client.get(change).status_code == 200
    staff_client.post(change, {"task": "something.else"})
    assert OutboxMessage.objects.get(pk=message.pk).task == "alerts.process_transitions"
    assert staff_client.get(reverse("admin:ops_outboxmessage_add")).status_code == 403
    delete = reverse("admin:ops_outboxmessage_delete", args=[message.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert OutboxMessage.objects.filter(pk=message.pk).exists()
