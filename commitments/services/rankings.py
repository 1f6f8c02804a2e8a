"""The ranking over time: each day, every active state's and every lead institution's
figures, stored once (models.RankingSnapshot).

The figures are those the public pages show, from the same selectors (states_overview, the
institution scorecard and its order, selectors.institution_rank), so a snapshot says what the
site said that day. Append-only: a day's rows are inserted once; a second run that day, or a
task sent twice by the outbox, inserts nothing and changes nothing.
"""

from django.utils import timezone

from .. import selectors
from ..models import RankingSnapshot

Kind = RankingSnapshot.Kind


def _row(kind, rank, group, *, date, taken_at, slug, name, state):
    return RankingSnapshot(
        date=date,
        kind=kind,
        object_id=group.pk,
        slug=slug,
        name=name,
        state_name=state.name if state else "",
        state_slug=state.slug if state else "",
        rank=rank,
        light=group.light,
        milestones=group.milestone_count,
        red=group.red_count,
        yellow=group.yellow_count,
        green=group.green_count,
        overdue=group.overdue_count,
        completed=group.completed_count,
        share_red=round(group.red_share, 4),
        share_overdue=round(group.overdue_share, 4),
        share_completed=round(group.completed_share, 4),
        taken_at=taken_at,
    )


def take_ranking_snapshots(*, now):
    """Stores today's figures (the day of `now`, Mexico City) of every active state and every
    lead institution, unless stored already; returns how many rows it inserted."""
    today = timezone.localdate(now)
    if RankingSnapshot.objects.filter(date=today).exists():
        return 0
    common = {"date": today, "taken_at": now}
    # States in the scorecard's order too: most behind first (one rule, institution_rank).
    states = sorted(selectors.states_overview(today=today), key=selectors.institution_rank)
    rows = [
        _row(Kind.STATE, i, s, slug=s.slug, name=s.name, state=s, **common)
        for i, s in enumerate(states, start=1)
    ]
    rows += [
        _row(Kind.INSTITUTION, i, o, slug=o.slug, name=o.name, state=o.state, **common)
        for i, o in enumerate(selectors.institution_scorecard(today=today), start=1)
    ]
    # Two runs at once: the unique (date, kind, object) keeps the first one's rows.
    created = RankingSnapshot.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)
