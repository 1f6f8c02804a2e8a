"""The stale job sends the same few statements per batch, however large the batch."""

import datetime as dt
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from commitments import services
from commitments.models import Milestone, Transition
from tests import factories as f

pytestmark = pytest.mark.django_db
MX = timezone.get_default_timezone()
NOW = dt.datetime(2026, 11, 29, 9, 0, tzinfo=MX)


def statements_per_batch(monkeypatch, **kwargs):
    """Runs the job counting every statement psycopg sends (Django's cursors and raw ones)."""
    import psycopg

    counts, scopes, batch = Counter(), Counter(), [0]
    execute = psycopg.Cursor.execute

    def counting(cursor, query, *args, **kw):
        text = str(query)
        if "SKIP LOCKED" in text:
            batch[0] += 1
        # The pages to drop: the scopes of the commitments whose lights changed, read apart.
        if text.startswith(('SELECT "commitments_commitment"."ogp_id"', 'SELECT "states_')):
            scopes[batch[0]] += 1
        # Savepoints exist only because the test runs inside a transaction.
        elif "SAVEPOINT" not in text:
            counts[batch[0]] += 1
        return execute(cursor, query, *args, **kw)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    result = services.flag_stale_milestones(now=NOW, **kwargs)
    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    assert all(n <= 2 for n in scopes.values()), scopes  # commitment_scopes: two queries
    return result, counts


def eighty_milestones():
    state = f.state()
    commitment = f.commitment(f.action_plan(state), f.organisation(state))
    Milestone.objects.bulk_create(
        Milestone(
            commitment=commitment,
            number=n,
            title=f"Hito {n}",
            starts_on=dt.date(2025, 1, 1),
            due_on=dt.date(2025, 6, 30) if n % 2 else dt.date(2027, 6, 30),
            status="completed" if n % 5 == 0 else "in_progress",
            progress=100 if n % 5 == 0 else 50,
            completed_on=dt.date(2025, 6, 1) if n % 5 == 0 else None,
            last_activity_at=dt.datetime(2026, 11, 1, tzinfo=MX),
            next_check_at=NOW,
            signal_since=NOW,
        )
        for n in range(1, 81)
    )


# With the rules in SQL a batch is one statement (lock, assess, update, insert); with the
# rules in Python it is three: SELECT ... FOR UPDATE SKIP LOCKED, one UPDATE, one INSERT.
@pytest.mark.parametrize(("in_database", "per_batch"), [(True, 1), (False, 3)])
@pytest.mark.parametrize("size", [7, 40])
def test_same_statements_per_batch_whatever_its_size(monkeypatch, size, in_database, per_batch):
    if connection.vendor != "postgresql":
        pytest.skip("the set-based writes are PostgreSQL's (set DATABASE_URL)")
    eighty_milestones()
    result, counts = statements_per_batch(monkeypatch, batch_size=size, in_database=in_database)
    batches = -(-80 // size)
    assert (result.checked, result.batches) == (80, batches)
    # Then the last, empty read that ends the job: one statement.
    assert sorted(counts.values()) == [1] + [per_batch] * batches
    assert Transition.objects.filter(new_signal="red").count() == 32  # overdue, not completed
    assert not Milestone.objects.filter(next_check_at__lte=NOW).exists()


@pytest.mark.parametrize("in_database", [True, False])
def test_one_transition_per_change_of_the_light(monkeypatch, in_database):
    if connection.vendor != "postgresql":
        pytest.skip("the set-based writes are PostgreSQL's (set DATABASE_URL)")
    eighty_milestones()
    result, _counts = statements_per_batch(monkeypatch, batch_size=40, in_database=in_database)
    transitions = list(Transition.objects.all())
    # Even from green straight to red: one row per changed light, and one light per milestone.
    assert sum(result.changed.values()) == len(transitions) > 0
    assert len({t.milestone_id for t in transitions}) == len(transitions)


@pytest.mark.parametrize(("replan_after", "analyzed"), [(10, 1), (1000, 0)])
def test_reassessing_many_reads_the_new_statistics_first(monkeypatch, replan_after, analyzed):
    """reassess() makes its milestones due in its own transaction, where the planner's
    statistics still say few are due: it planned each batch for a handful and read every row
    left due, row by row (quadratic: 160 s for 200,000 milestones). Past one batch's worth it
    runs ANALYZE first, which sees the transaction's rows."""
    if connection.vendor != "postgresql":
        pytest.skip("the planner's statistics are PostgreSQL's (set DATABASE_URL)")
    import psycopg

    from commitments.services import light

    eighty_milestones()
    services.flag_stale_milestones(now=NOW)
    monkeypatch.setattr(light, "REPLAN_AFTER", replan_after)
    sent = []
    execute = psycopg.Cursor.execute

    def keeping(cursor, query, *args, **kw):
        sent.append(str(query))
        return execute(cursor, query, *args, **kw)

    monkeypatch.setattr(psycopg.Cursor, "execute", keeping)
    result = services.reassess(Milestone.objects.all(), now=NOW, cause=Transition.Cause.METHODOLOGY)
    monkeypatch.setattr(psycopg.Cursor, "execute", execute)
    assert result.checked == Milestone.objects.count() >= 80
    assert sum(q.startswith('ANALYZE "commitments_milestone"') for q in sent) == analyzed


def test_reassessing_does_not_wait_for_a_busy_table(monkeypatch, caplog):
    """A VACUUM or another ANALYZE holding the table: after 2 s the statistics are left as
    they are, and the lights are still assessed."""
    if connection.vendor != "postgresql":
        pytest.skip("the planner's statistics are PostgreSQL's (set DATABASE_URL)")
    import psycopg

    from commitments.services import light

    eighty_milestones()
    services.flag_stale_milestones(now=NOW)
    monkeypatch.setattr(light, "REPLAN_AFTER", 10)
    settings = connection.get_connection_params()
    with psycopg.connect(**settings, autocommit=False) as other:
        other.execute("LOCK TABLE commitments_milestone IN SHARE UPDATE EXCLUSIVE MODE")
        result = services.reassess(
            Milestone.objects.all(), now=NOW, cause=Transition.Cause.METHODOLOGY
        )
        other.rollback()
    assert result.checked == Milestone.objects.count() >= 80
    assert "statistics were not refreshed" in caplog.text
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "0"  # put back for the rest of the transaction
