"""A plan's chart (selectors.plan_timelines): counted by the database month by month, the
same as counting every milestone, and bounded whatever the dates (an absurd 0001-01-01 once
made the state page 28 times slower)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments import selectors
from commitments.models import ActionPlan, Milestone
from tests import factories as f

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)


def _month_after(month):
    return (month + dt.timedelta(days=32)).replace(day=1)


def reference(plan, *, today):
    """Every milestone looked at for every month: what the chart means, written plainly."""
    rows = list(
        Milestone.objects.filter(commitment__action_plan=plan).values_list(
            "due_on", "original_due_on", "completed_on"
        )
    )
    planned = [o or d for d, o, _c in rows if o or d]
    completed = [c for _d, _o, c in rows if c and c <= today]
    dates = [plan.starts_on, plan.ends_on, *planned, *completed]
    month, end, points = min(dates).replace(day=1), max(dates).replace(day=1), []
    while month <= end:
        cutoff = _month_after(month) - dt.timedelta(days=1)
        points.append(
            {
                "month": month,
                "planned": sum(1 for d in planned if d <= cutoff),
                "completed": sum(1 for d in completed if d <= cutoff) if month <= today else None,
            }
        )
        month = _month_after(month)
    return points


def test_the_demo_plans_chart_as_counting_every_milestone(demo):
    plans = list(ActionPlan.objects.all())
    timelines = selectors.plan_timelines(plans=plans, today=TODAY)
    assert len(timelines) == len([p for p in plans if Milestone.objects.filter(
        commitment__action_plan=p).exists()])  # fmt: skip
    for timeline in timelines:
        assert timeline.points == reference(timeline.plan, today=TODAY), timeline.plan


@pytest.fixture
def absurd_plan():
    state = f.state()
    plan = f.action_plan(state, starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2026, 12, 31))
    commitment = f.commitment(plan, f.organisation(state))
    kept = f.raw_milestone(commitment, due_on=dt.date(2025, 6, 30))
    done = f.raw_milestone(commitment, due_on=dt.date(2025, 9, 30))
    late = f.raw_milestone(commitment, due_on=dt.date(2026, 1, 31))
    undated = f.raw_milestone(commitment, due_on=None, due_precision="")
    Milestone.objects.filter(pk=done.pk).update(
        status="completed", progress=100, completed_on=dt.date(1, 1, 1)
    )
    Milestone.objects.filter(pk=late.pk).update(original_due_on=dt.date(9999, 12, 31))
    assert kept and undated
    return plan


def test_an_absurd_date_does_not_stretch_the_chart(absurd_plan):
    with CaptureQueriesContext(connection) as queries:
        (timeline,) = selectors.plan_timelines(plans=[absurd_plan], today=TODAY)
    assert len(queries) == 1
    points = timeline.points
    margin = selectors.CHART_MARGIN_YEARS
    assert points[0]["month"] == dt.date(2025 - margin, 1, 1)
    assert points[-1]["month"] == dt.date(2026 + margin, 12, 1)
    assert len(points) == 12 * (2 + 2 * margin)
    # The milestone completed in the year 1 counts from the first month; the one planned for
    # 9999 at the last; the undated one in none.
    assert points[0] == {"month": points[0]["month"], "planned": 0, "completed": 1}
    assert points[-1]["planned"] == 3
    assert points[-2]["planned"] == 2
    assert next(p for p in points if p["month"] == dt.date(2025, 6, 1))["planned"] == 1


def test_the_state_page_with_an_absurd_date(client, absurd_plan):
    response = client.get(f"/estados/{absurd_plan.state.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "0001" not in html.split('class="chart')[1].split("</figure>")[0]
