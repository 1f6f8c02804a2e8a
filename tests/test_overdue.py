""" "Overdue" has one definition (rules.is_overdue), read from the stored light: a page never
counts a milestone overdue that it does not also count red."""

import datetime as dt

import pytest

from commitments import rules, selectors
from commitments.models import Milestone
from tests import factories as f

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 7, 1)


@pytest.fixture
def due_yesterday():
    """Just after midnight: due yesterday, still yellow until the stale job's next run."""
    state = f.state()
    lead = f.organisation(state)
    commitment = f.commitment(f.action_plan(state), lead)
    m = f.milestone(commitment, starts_on=dt.date(2026, 3, 1), due_on=TODAY - dt.timedelta(days=1))
    Milestone.objects.filter(pk=m.pk).update(signal=rules.YELLOW)
    return state, lead, m


def counts(state, lead):
    summary = selectors.state_summary(state=state, today=TODAY)
    (institution,) = selectors.institution_scorecard(today=TODAY, state=state)
    (commitment,) = selectors.state_commitments(state=state, today=TODAY)
    assert institution.pk == lead.pk
    return {
        "state": (summary.overdue_count, summary.red_count),
        "institution": (institution.overdue_count, institution.red_count),
        "commitment": (commitment.overdue_count, commitment.red_count),
        "red list": len(selectors.red_milestones(today=TODAY, state=state)),
    }


def test_past_its_date_but_not_yet_red_is_not_counted_overdue(due_yesterday):
    state, lead, m = due_yesterday
    assert counts(state, lead) == {
        "state": (0, 0),
        "institution": (0, 0),
        "commitment": (0, 0),
        "red list": 0,
    }
    m.refresh_from_db()
    assert rules.days_overdue(signal=m.signal, due_on=m.due_on, today=TODAY) == 0


def test_once_the_stale_job_turns_it_red_every_count_says_overdue(due_yesterday):
    state, lead, m = due_yesterday
    Milestone.objects.filter(pk=m.pk).update(signal=rules.RED)
    assert counts(state, lead) == {
        "state": (1, 1),
        "institution": (1, 1),
        "commitment": (1, 1),
        "red list": 1,
    }
    (listed,) = selectors.red_milestones(today=TODAY, state=state)
    assert listed.days_overdue == 1


def test_red_for_silence_before_its_due_date_is_red_but_not_overdue(due_yesterday):
    state, lead, m = due_yesterday
    Milestone.objects.filter(pk=m.pk).update(signal=rules.RED, due_on=TODAY)
    assert counts(state, lead)["state"] == (0, 1)
    assert rules.days_overdue(signal=rules.RED, due_on=TODAY, today=TODAY) == 0
