"""The reminder before a due date links to a prefilled report of the milestone, signed for its
addressee and expiring, sign-in still required; and to a one-click "no change" check that
records the check without resetting the milestone's clock (#9's rule)."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from alerts import services, tokens
from commitments import services as commitment_services
from commitments.models import HistoryEntry, Milestone
from states.models import Membership

from .conftest import NOW

pytestmark = pytest.mark.django_db


def ms(ogp_id, number):
    return Milestone.objects.select_related("commitment__action_plan__state").get(
        commitment__ogp_id=ogp_id, number=number
    )


@pytest.fixture
def reminded(people):
    """The Guanajuato official's digest with the reminder of MXGTO9004.2 (due about two weeks
    after the demo's day, which the demo moves with its `now`)."""
    later = NOW + dt.timedelta(days=4)
    assert services.queue_due_reminders(today=later.date(), now=later) >= 1
    services.send_digests(now=later)
    (digest,) = [m for m in mail.outbox if m.to == ["oficial.guanajuato@example.org"]]
    return digest


def _link(digest):
    found = re.findall(r"http://127\.0\.0\.1:8000(/panel/reportar/[^/\s]+/)", digest.body)
    assert found, digest.body
    return found[0]


def test_the_reminder_links_to_a_prefilled_report_and_a_no_change_check(reminded, client):
    assert "Reporta su avance:" in reminded.body
    assert "¿Sin cambios desde tu último reporte?" in reminded.body
    html = reminded.alternatives[0][0]
    path = _link(reminded)
    assert path in html and f"{path}#sin-cambios" in html

    # Sign-in is still required: the link leads to the login page and back.
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")

    client.force_login(Membership.objects.get(user__username="oficial.guanajuato").user)
    page = client.get(path)
    assert page.status_code == 200
    milestone = ms("MXGTO9004", 2)
    form = page.context["status_form"]
    assert form["progress"].value() == milestone.progress
    assert form["status"].value() == milestone.status
    assert form["version"].value() == milestone.version
    assert 'id="sin-cambios"' in page.content.decode()
    assert not page.context["changed_since"]


def test_the_one_click_check_records_it_and_keeps_the_clock(reminded, client):
    path = _link(reminded)
    client.force_login(Membership.objects.get(user__username="oficial.guanajuato").user)
    unchanged = client.get(path).context["unchanged"]
    milestone = ms("MXGTO9004", 2)
    version, activity, light = milestone.version, milestone.last_activity_at, milestone.signal

    response = client.post(reverse("panel:report-status", kwargs={"pk": milestone.pk}), unchanged)

    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.version, milestone.last_activity_at) == (version, activity)
    assert milestone.signal == light
    check = HistoryEntry.objects.filter(milestone=milestone).latest("created_at", "id")
    assert check.action == HistoryEntry.Action.CHECKED
    assert check.summary == "Sin cambios desde el último reporte."


def test_the_page_says_when_the_milestone_changed_since_the_email(reminded, client):
    path = _link(reminded)
    milestone = ms("MXGTO9004", 2)
    official = Membership.objects.get(user__username="oficial.guanajuato")
    commitment_services.report_status(
        milestone=milestone, membership=official, base_version=milestone.version,
        status="in_progress", progress=85, note="Avance", now=NOW,
    )  # fmt: skip
    client.force_login(official.user)
    page = client.get(path)
    assert page.context["changed_since"]
    assert page.context["status_form"]["progress"].value() == 85
    assert "cambió desde que se envió el recordatorio" in page.content.decode()


def test_the_link_is_its_addressees_alone_and_expires(reminded, client, settings, people):
    path = _link(reminded)
    client.force_login(people["osc.guanajuato"])
    response = client.get(path)
    assert response.status_code == 403
    assert "otra persona" in response.content.decode()

    client.force_login(people["oficial.guanajuato"])
    token = path.split("/")[3]
    tampered = path.replace(token, token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])
    assert client.get(tampered).status_code == 400
    settings.REPORT_LINK_MAX_AGE = -1  # any link is older than that
    response = client.get(path)
    assert response.status_code == 400
    assert "venció" in response.content.decode()


def test_a_link_for_a_milestone_no_longer_in_scope_is_refused(people, client):
    milestone = ms("MXGTO9001", 1)  # led by another agency
    token = tokens.report_token(user=people["oficial.guanajuato"], milestone=milestone)
    client.force_login(people["oficial.guanajuato"])
    assert client.get(reverse("panel:report-link", args=[token])).status_code == 403


def test_citizens_digests_carry_no_report_link(people):
    from alerts.models import Follow

    Follow.objects.create(
        email="vecino@example.org", commitment=ms("MXGTO9004", 2).commitment, confirmed_at=NOW
    )
    later = NOW + dt.timedelta(days=4)
    services.queue_due_reminders(today=later.date(), now=later)
    commitment_services.flag_stale_milestones(now=later)
    services.notify_transitions(now=later)
    services.send_digests(now=later)
    assert any(m.to == ["vecino@example.org"] for m in mail.outbox)
    for message in mail.outbox:
        if message.to == ["vecino@example.org"]:
            assert "/panel/reportar/" not in message.body
