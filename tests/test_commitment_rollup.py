"""A commitment's light and status come from its milestones, by one definition that every page
and the API read (selectors.COMMITMENT_LIGHT, selectors.COMMITMENT_STATUS)."""

import datetime as dt
import re

import pytest

from commitments import selectors
from commitments.models import Milestone
from public.filters import CommitmentFilter
from tests import factories as f

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 1)


def milestones(commitment, *rows):
    """(status, light) per milestone; a completed one is fully done."""
    for status, light in rows:
        done = status == Milestone.Status.COMPLETED
        m = f.milestone(
            commitment,
            status=status,
            progress=100 if done else 0,
            completed_on=dt.date(2025, 6, 1) if done else None,
        )
        Milestone.objects.filter(pk=m.pk).update(signal=light)


@pytest.fixture
def plan():
    state = f.state()
    plan = f.action_plan(state)
    lead = f.organisation(state)
    c = {name: f.commitment(plan, lead, title=name) for name in "ABCDE"}
    # A: no milestones (yellow, "sin hitos"). B: all completed. C: one red, one at risk and
    # in progress. D: at risk, one started. E: nothing started, on track.
    milestones(c["B"], ("completed", "green"), ("completed", "green"))
    milestones(c["C"], ("in_progress", "red"), ("in_progress", "yellow"))
    milestones(c["D"], ("not_started", "yellow"), ("in_progress", "green"))
    milestones(c["E"], ("not_started", "green"), ("not_started", "green"))
    return state, c


EXPECTED = {
    "A": ("yellow", "not_started"),
    "B": ("green", "completed"),
    "C": ("red", "in_progress"),
    "D": ("yellow", "in_progress"),
    "E": ("green", "not_started"),
}


def test_light_and_status_of_each_commitment(plan):
    state, _ = plan
    rows = selectors.state_commitments(state=state, today=TODAY)
    assert {c.title: (c.light, c.status) for c in rows} == EXPECTED


@pytest.mark.parametrize("status", ["not_started", "in_progress", "completed"])
def test_the_status_filter_reads_the_same_status(plan, status):
    state, _ = plan
    filterset = CommitmentFilter(
        {"estatus": status},
        queryset=selectors.state_commitments(state=state, today=TODAY),
        plans=[],
        themes=[],
        leads=[],
    )
    expected = {name for name, (_, s) in EXPECTED.items() if s == status}
    assert {c.title for c in filterset.qs} == expected


def test_the_light_sort_puts_the_most_severe_first(plan):
    state, _ = plan
    filterset = CommitmentFilter(
        {"orden": "semaforo"},
        queryset=selectors.state_commitments(state=state, today=TODAY),
        plans=[],
        themes=[],
        leads=[],
    )
    assert [c.light for c in filterset.qs] == ["red", "yellow", "yellow", "green", "green"]


def test_the_api_and_the_commitment_page_show_the_same_light(client, plan):
    _, c = plan
    for name, (light, _) in EXPECTED.items():
        ogp_id = c[name].ogp_id
        assert client.get(f"/api/v1/commitments/{ogp_id}/").json()["signal"] == light
        html = client.get(f"/compromisos/{ogp_id}/").content.decode()
        # The badge under the title is the commitment's; each milestone has its own below.
        first_badge = re.search(r'class="light light-(\w+)', html)
        assert first_badge and first_badge.group(1) == light, name
