"""`manage.py audit_lights`: every stored light checked against the rules and the record.

A light changed around the services (here, by a raw SQL UPDATE) is found, printed with what
is stored and what the rules give, and the command exits 1; `--fix` repairs it as a
transition with the cause `audit`, never notified, listed on /correcciones/; the nightly beat
runs it, and /healthz/ reports the last run. Every write door leaves it clean.
"""

import datetime as dt
import io
import logging

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from alerts import services as alerts
from alerts.models import Follow, Notification
from commitments import services, tasks
from commitments.models import AuditRun, Evidence, Milestone, Transition
from states.models import State
from tests import disputes
from tests import factories as f
from tests.clock import NOW

pytestmark = pytest.mark.django_db
TABLE = Milestone._meta.db_table


def audit(*args, now=NOW):
    """(exit status, output) of the command."""
    out = io.StringIO()
    try:
        call_command("audit_lights", *args, now=now, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def corrupt(milestone, **columns):
    """What a hand-made fix in psql would do: an UPDATE around the services."""
    assignments = ", ".join(f"{name} = %s" for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET {assignments} WHERE id = %s",  # noqa: S608  # nosec B608
            [*columns.values(), milestone.pk],
        )


def label(milestone):
    return f"{milestone.commitment.ogp_id}.{milestone.number}"


def red_one():
    return Milestone.objects.filter(signal="red", light_reason="overdue").select_related(
        "commitment"
    )[0]


def test_the_demo_is_clean(demo):
    assert audit() == (
        0,
        f"Checked {Milestone.objects.count()} milestones: every light is right.\n",
    )
    run = AuditRun.objects.get()
    assert (run.ran_at, run.checked, run.differences, run.clean) == (
        NOW,
        Milestone.objects.count(),
        0,
        True,
    )


def test_a_light_turned_green_by_sql_is_found_and_repaired_quietly(demo):
    m = red_one()
    Follow.objects.create(
        email="vecina@example.org", commitment=m.commitment, confirmed_at=NOW, language="es"
    )
    corrupt(m, signal="green", light_reason="on_track")

    status, out = audit()
    assert status == 1
    assert f"{label(m)} (id {m.pk}): signal stored green, the rules give red" in out
    assert "light_reason stored on_track, the rules give overdue" in out
    assert "1 differ from the rules" in out
    # Reading changed nothing.
    m.refresh_from_db()
    assert (m.signal, Transition.objects.filter(cause="audit").count()) == ("green", 0)

    later = NOW + dt.timedelta(minutes=5)
    assert audit("--fix", now=later)[0] == 0
    m.refresh_from_db()
    assert (m.signal, m.light_reason) == ("red", "overdue")
    correction = Transition.objects.get(milestone=m, cause=Transition.Cause.AUDIT)
    assert (correction.old_signal, correction.new_signal) == ("green", "red")
    assert correction.recorded_at == later and correction.notified_at == later
    assert m.signal_since == correction.happened_at <= NOW
    # Never news: the follower of the commitment hears nothing of it.
    alerts.notify_transitions(now=later)
    alerts.send_digests(now=later)
    assert not Notification.objects.filter(milestone=m).exists()
    assert mail.outbox == []
    assert audit(now=later) == (
        0,
        f"Checked {Milestone.objects.count()} milestones: every light is right.\n",
    )
    run = AuditRun.objects.order_by("id")[1]
    assert (run.differences, run.repaired) == (1, 1)


@pytest.mark.parametrize(
    "columns, field",
    [
        ({"light_reason": "stale"}, "light_reason"),
        # The clock would never look at it again.
        ({"next_check_at": None}, "next_check_at"),
        ({"signal_since": dt.datetime(2099, 1, 1, tzinfo=dt.UTC)}, "signal_since"),
    ],
)
def test_every_stored_field_of_the_light_is_audited(demo, columns, field):
    m = Milestone.objects.filter(signal="yellow", due_on__isnull=False).select_related(
        "commitment"
    )[0]
    before = Milestone.objects.values("light_reason", "next_check_at", "signal_since").get(pk=m.pk)
    corrupt(m, **columns)
    status, out = audit()
    assert status == 1 and f"{label(m)} (id {m.pk}): {field} stored" in out
    assert audit("--fix")[0] == 0
    assert Milestone.objects.values(*before).get(pk=m.pk) == before
    # The light did not change: no transition, only the record of the run.
    assert not Transition.objects.filter(cause="audit").exists()
    assert audit()[0] == 0


def test_a_history_that_disagrees_with_the_light_is_repaired(demo):
    """The last transition said red; the light is (rightly) green: the record gets the
    change it lacks."""
    m = Milestone.objects.filter(signal="green", status="in_progress")[0]
    Transition.objects.create(
        milestone=m, old_signal="green", new_signal="red", happened_at=NOW, recorded_at=NOW,
        cause="clock", notified_at=NOW,
    )  # fmt: skip
    status, out = audit()
    assert status == 1 and "recorded_signal stored red, the rules give green" in out
    assert audit("--fix")[0] == 0
    last = Transition.objects.filter(milestone=m).latest("id")
    assert (last.old_signal, last.new_signal, last.cause) == ("red", "green", "audit")
    assert audit()[0] == 0


def test_fix_lets_the_clock_record_first_what_is_due_as_news(demo):
    """A year on, with the stale job stopped: the lights it has due differ (the audit says
    so), and --fix lets the clock record them as the news they are, not as corrections."""
    later = NOW + dt.timedelta(days=365)
    assert audit(now=later)[0] == 1
    assert audit("--fix", now=later)[0] == 0
    assert Transition.objects.filter(cause="clock").exists()
    assert not Transition.objects.filter(cause="audit").exists()
    assert AuditRun.objects.latest().differences == 0


def test_every_write_door_leaves_the_audit_clean(demo):
    """Reports, evidence of both sides, a verdict, the right of reply, a moved date, a new
    milestone, a retraction and a state's new threshold: after each, nothing differs."""
    m = disputes.milestone()
    at = NOW + dt.timedelta(hours=1)

    def clean():
        services.flag_stale_milestones(now=at)  # what the clock has due meanwhile
        checked, differences = services.audit.find_differences(now=at)
        assert checked and not differences, [(d.label, d.fields) for d in differences]

    dispute = disputes.open_dispute(m, now=at)
    clean()
    disputes.answer(dispute, now=at)
    clean()
    disputes.close(dispute, "maintained", now=at, text="Sigue sin padrón")
    clean()
    for username in ("oficial.guanajuato", "osc.guanajuato"):
        services.add_link_evidence(
            milestone=m, membership=disputes.membership(username),
            url=f"https://example.org/{username}", title="Informe", now=at,
        )  # fmt: skip
        clean()
    services.retract_evidence(
        evidence=Evidence.objects.get(url="https://example.org/osc.guanajuato"),
        membership=disputes.membership("osc.guanajuato"), reason="Enlace equivocado", now=at,
    )  # fmt: skip
    clean()
    m.refresh_from_db()
    services.reschedule_milestone(milestone=m, due_on=NOW.date() - dt.timedelta(days=3), now=at)
    clean()
    services.create_milestone(
        commitment=m.commitment, now=at, number=99, title="Hito nuevo",
        starts_on=NOW.date(), due_on=None,
    )  # fmt: skip
    clean()
    services.set_stale_threshold(
        state=State.objects.get(slug="guanajuato"), stale_after_days=30, now=at
    )
    clean()


def test_the_corrections_page_lists_each_repair_in_both_languages(
    client, demo, django_capture_on_commit_callbacks
):
    m = red_one()
    assert "Ninguna luz ha necesitado corrección." in client.get("/correcciones/").content.decode()
    corrupt(m, signal="green", light_reason="on_track")
    with django_capture_on_commit_callbacks(execute=True):  # the repair empties the page cache
        audit("--fix")
    page = client.get("/correcciones/").content.decode()
    assert f'href="/compromisos/{m.commitment.ogp_id}/hitos/{m.number}/">{label(m)}</a>' in page
    assert "Verde: en tiempo" in page and "Rojo: vencido o sin actividad" in page
    assert "1 hito corregido." in page
    # The milestone's own history says it was a correction.
    history = client.get(m.commitment.get_absolute_url()).content.decode()
    assert "Corrección" in history
    english = client.get("/en/correcciones/").content.decode()
    assert "1 milestone corrected." in english and "Green: on track" in english


def test_healthz_reports_the_last_audit(client, demo):
    """/healthz/ ages the last audit on the wall clock, as monitoring does."""
    assert client.get("/healthz/").json()["checks"]["audit"]["last_run"] is None
    wall = timezone.now()
    AuditRun.objects.create(ran_at=wall, checked=10, differences=2, repaired=2)
    check = client.get("/healthz/").json()["checks"]["audit"]
    assert (check["ok"], check["differences"], check["repaired"]) == (True, 2, 2)
    AuditRun.objects.create(ran_at=wall, checked=10, differences=3)
    response = client.get("/healthz/")
    assert response.json()["checks"]["audit"]["ok"] is False
    assert "3 light(s) that differ" in response.json()["checks"]["audit"]["error"]
    assert client.get("/healthz/?strict=1").status_code == 503
    AuditRun.objects.create(ran_at=wall - dt.timedelta(days=3), checked=10, differences=0)
    AuditRun.objects.filter(ran_at=wall).delete()
    assert "the last audit ran at" in client.get("/healthz/").json()["checks"]["audit"]["error"]


def test_the_beat_audits_and_repairs_every_night_quiet_when_clean(empty_db, caplog):
    """The task reads the wall clock, as the beat's tasks do: its milestones are made now."""
    schedule = settings.CELERY_BEAT_SCHEDULE["audit-lights"]
    assert schedule["task"] == tasks.audit_lights.name == "commitments.audit_lights"
    assert (schedule["schedule"].hour, schedule["schedule"].minute) == ({3}, {30})
    state = f.state()
    commitment = f.commitment(f.action_plan(state), f.organisation(state))
    now = timezone.now()
    m = f.milestone(commitment, now=now, due_on=now.date() - dt.timedelta(days=10))
    f.milestone(commitment, now=now, due_on=now.date() + dt.timedelta(days=200))
    corrupt(m, signal="green", light_reason="on_track")
    with caplog.at_level(logging.INFO, logger="commitments.tasks"):
        assert tasks.audit_lights() == 1
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert "differed from the rules and was repaired" in caplog.records[0].getMessage()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="commitments.tasks"):
        assert tasks.audit_lights() == 0
    assert caplog.records == []
    assert Milestone.objects.get(pk=m.pk).signal == "red"
