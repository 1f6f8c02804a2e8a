"""The stale job: what it flags, that it flags it once, and that actions refresh the light."""

import datetime as dt
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Count

from commitments import services
from commitments.models import Milestone, Transition
from tests import factories as f
from tests.clock import MX, NOW, day

pytestmark = pytest.mark.django_db


def ms(ogp_id, number):
    return Milestone.objects.get(commitment__ogp_id=ogp_id, number=number)


def test_demo_milestones_get_their_lights(demo_unwatched):
    result = services.flag_stale_milestones(now=NOW)
    assert result.checked == Milestone.objects.count()
    # Nuevo León's 2022-2024 plan ended in June 2024 with work unfinished: red, overdue.
    late = ms("MXNLE0001", 4)
    assert late.signal == "red"
    assert late.signal_since == dt.datetime(2024, 7, 1, tzinfo=MX)
    assert late.next_check_at is None
    # Due 15 December 2026, reported two months ago: at risk.
    assert ms("MXGTO9004", 2).signal == "yellow"
    # Quiet since its planned start on 1 June 2026: stale since 28 November.
    stale = ms("MXNLE9002", 2)
    assert (stale.signal, stale.signal_since.date()) == ("red", day(dt.date(2026, 11, 28)))
    # Completed milestones stay green and are never looked at again.
    done = ms("MXGTO9002", 3)
    assert (done.signal, done.next_check_at) == ("green", None)
    assert not done.transitions.exists()


def test_transition_records_when_it_really_happened(demo_unwatched):
    services.flag_stale_milestones(now=NOW)
    # Found red when last shown green: one change, at the red onset (the midnight after the
    # due date), not when the job noticed; the yellow the rules passed through was never shown.
    steps = list(ms("MXNLE0001", 4).transitions.order_by("happened_at"))
    assert [(t.old_signal, t.new_signal) for t in steps] == [("green", "red")]
    assert [t.happened_at for t in steps] == [dt.datetime(2024, 7, 1, tzinfo=MX)]
    assert {t.recorded_at for t in steps} == {NOW}
    assert {t.cause for t in steps} == {"clock"}
    assert all(t.notified_at is None and t.actor is None for t in steps)


def test_second_run_finds_nothing_to_do(demo_unwatched):
    first = services.flag_stale_milestones(now=NOW)
    count = Transition.objects.count()
    assert count == sum(first.changed.values()) > 0
    second = services.flag_stale_milestones(now=NOW)
    assert (second.checked, sum(second.changed.values())) == (0, 0)
    assert Transition.objects.count() == count


def test_later_run_moves_yellow_to_red_once(demo_unwatched):
    services.flag_stale_milestones(now=NOW)
    guide = ms("MXGTO9004", 2)  # due 15 December 2026
    assert guide.signal == "yellow"
    assert guide.next_check_at == day(dt.datetime(2026, 12, 16, tzinfo=MX))
    services.flag_stale_milestones(now=day(dt.datetime(2026, 12, 16, 0, 5, tzinfo=MX)))
    services.flag_stale_milestones(now=day(dt.datetime(2026, 12, 16, 0, 20, tzinfo=MX)))
    guide.refresh_from_db()
    assert guide.signal == "red"
    assert list(guide.transitions.values_list("old_signal", "new_signal")) == [
        ("green", "yellow"),
        ("yellow", "red"),
    ]


def test_reads_only_milestones_due_for_a_check(demo_unwatched):
    services.flag_stale_milestones(now=NOW)
    Milestone.objects.filter(pk=ms("MXNLE9001", 4).pk).update(next_check_at=NOW)
    result = services.flag_stale_milestones(now=NOW + dt.timedelta(minutes=15))
    assert result.checked == 1


def test_an_action_turns_the_light_at_once_and_names_who_did_it(demo, django_user_model):
    services.flag_stale_milestones(now=NOW)
    official = django_user_model.objects.get(username="oficial.guanajuato")
    milestone = ms("MXGTO9003", 3)  # red: overdue since 1 October
    later = NOW + dt.timedelta(hours=2)
    Milestone.objects.filter(pk=milestone.pk).update(
        status="completed", progress=100, completed_on=later.date(), last_activity_at=later
    )
    milestone.refresh_from_db()
    t = services.refresh_light(
        milestone, now=later, cause=Transition.Cause.STATUS_UPDATE, actor=official
    )
    assert (t.old_signal, t.new_signal, t.happened_at) == ("red", "green", later)
    milestone.refresh_from_db()
    assert (milestone.signal, milestone.signal_since, milestone.next_check_at) == (
        "green",
        later,
        None,
    )
    assert milestone.transitions.get(new_signal="green").actor == official


def test_flag_stale_command_prints_what_changed(demo_unwatched):
    out = io.StringIO()
    call_command("flag_stale", stdout=out)
    text = out.getvalue()
    assert "MXNLE0001.4 Informe final de resultados: green -> red since 2024-07-01 00:00" in text
    assert f"Checked {Milestone.objects.count()} milestones" in text
    out = io.StringIO()
    call_command("flag_stale", stdout=out)
    assert "Checked 0 milestones; 0 traffic-light changes." in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_flag_each_milestone_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL (set DATABASE_URL)")
    state = f.state()
    lead = f.organisation(state)
    commitment = f.commitment(f.action_plan(state), lead)
    Milestone.objects.bulk_create(
        Milestone(
            commitment=commitment,
            number=n,
            title=f"Hito {n}",
            starts_on=dt.date(2025, 1, 1),
            due_on=dt.date(2025, 6, 30),
            last_activity_at=dt.datetime(2025, 5, 1, tzinfo=MX),
            next_check_at=NOW,
            signal_since=NOW,
        )
        for n in range(1, 601)
    )
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(services.flag_stale_milestones(now=NOW, batch_size=25))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.checked for r in results) == 600
    assert all(r.checked > 0 for r in results), "both workers should have shared the work"
    per_milestone = Transition.objects.values("milestone", "new_signal").annotate(n=Count("id"))
    assert {row["n"] for row in per_milestone} == {1}
    assert Transition.objects.filter(new_signal="red").count() == 600
    assert services.flag_stale_milestones(now=NOW).checked == 0
