"""Reads for the public pages. Each returns what one page needs in a fixed number of queries,
whatever the amount of data (tests/test_query_counts.py holds them to it)."""

import datetime as dt
from types import SimpleNamespace

from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from states.models import Organisation, State

from . import permissions, rules
from .models import (
    ActionPlan,
    Commitment,
    Dispute,
    DisputeMessage,
    Evidence,
    HistoryEntry,
    Milestone,
    StatusUpdate,
    Transition,
    Verification,
)

COMPLETED = Milestone.Status.COMPLETED


def _milestone_counts(prefix, today):
    """Aggregates over the milestones reached through `prefix` (e.g. "milestones__")."""
    done = Q(**{f"{prefix}status": COMPLETED})
    overdue = rules.overdue_filter(today, prefix)
    started = ~Q(**{f"{prefix}status": Milestone.Status.NOT_STARTED})
    return {
        "milestone_count": Count(f"{prefix}id", distinct=True),
        "completed_count": Count(f"{prefix}id", filter=done, distinct=True),
        "started_count": Count(f"{prefix}id", filter=started, distinct=True),
        "overdue_count": Count(f"{prefix}id", filter=overdue, distinct=True),
        "red_count": Count(f"{prefix}id", filter=Q(**{f"{prefix}signal": "red"}), distinct=True),
        "yellow_count": Count(
            f"{prefix}id", filter=Q(**{f"{prefix}signal": "yellow"}), distinct=True
        ),
    }


def _with_group_light(rows):
    for row in rows:
        row.light = rules.aggregate_light(
            red=row.red_count, yellow=row.yellow_count, total=row.milestone_count
        )
        row.green_count = row.milestone_count - row.red_count - row.yellow_count
        total = row.milestone_count or 1
        row.completed_share = row.completed_count / total
        row.red_share = row.red_count / total
        row.overdue_share = row.overdue_count / total
    return rows


def institution_rank(row):
    """The order of the institution scorecard, most behind first (explained on its page):
    red institutions, then yellow, then green (their light, rules.aggregate_light); within a
    light, the largest share of red milestones (overdue or stale), then the largest share
    overdue, then the smallest share completed; then by name."""
    return (
        -rules.SEVERITY[row.light],
        -row.red_share,
        -row.overdue_share,
        row.completed_share,
        row.name,
    )


def states_overview(*, today):
    """Active states with their counts, light and last activity, for the home page."""
    prefix = "action_plans__commitments__milestones__"
    states = (
        State.objects.active()
        .annotate(
            commitment_count=Count("action_plans__commitments", distinct=True),
            last_activity_at=Max(f"{prefix}last_activity_at"),
            **_milestone_counts(prefix, today),
        )
        .order_by("name")
    )
    return _with_group_light(list(states))


def national_totals(states):
    keys = ("commitment_count", "milestone_count", "completed_count", "overdue_count", "red_count")
    totals = {key: sum(getattr(s, key) for s in states) for key in keys}
    totals["yellow_count"] = sum(s.yellow_count for s in states)
    totals["completed_share"] = (
        totals["completed_count"] / totals["milestone_count"] if totals["milestone_count"] else 0
    )
    return totals


def state_summary(*, state, today):
    """One state's own counts and light (the header of its page and of its report)."""
    prefix = "action_plans__commitments__milestones__"
    summary = State.objects.filter(pk=state.pk).aggregate(
        commitment_count=Count("action_plans__commitments", distinct=True),
        last_activity_at=Max(f"{prefix}last_activity_at"),
        **_milestone_counts(prefix, today),
    )
    return _with_group_light([SimpleNamespace(**summary)])[0]


# A commitment's light and status, derived from its milestones' counts (_milestone_counts):
# the one definition, read by the state page, its filters and sort, the commitment page and
# the API.
COMMITMENT_LIGHT = Case(
    # As late as its latest milestone.
    When(red_count__gt=0, then=Value(rules.RED)),
    When(yellow_count__gt=0, then=Value(rules.YELLOW)),
    default=Value(rules.GREEN),
)
COMMITMENT_STATUS = Case(
    # Completed when every milestone is (a commitment without milestones is not started);
    # not started while none has started; in progress otherwise.
    When(Q(milestone_count__gt=0, completed_count=F("milestone_count")), then=Value(COMPLETED)),
    When(started_count=0, then=Value(Milestone.Status.NOT_STARTED)),
    default=Value(Milestone.Status.IN_PROGRESS),
)


def commitments_with_counts(*, today):
    """Commitments annotated with their milestone counts, average progress, next due date,
    light and status."""
    return Commitment.objects.annotate(
        average_progress=Avg("milestones__progress"),
        next_due_on=Min("milestones__due_on", filter=~Q(milestones__status=COMPLETED)),
        **_milestone_counts("milestones__", today),
    ).annotate(light=COMMITMENT_LIGHT, status=COMMITMENT_STATUS)


def state_commitments(*, state, today):
    """A state's commitments with everything their row shows; filtered and sorted by the page."""
    return (
        commitments_with_counts(today=today)
        .filter(action_plan__state=state)
        .select_related("action_plan", "lead_institution")
        .order_by("action_plan__number", "number")
    )


def with_commitment_lights(commitments):
    """Sets .status_label on each commitment of a page (light and status are annotated)."""
    for c in commitments:
        c.status_label = Milestone.Status(c.status).label
    return commitments


def state_action_plans(*, state):
    return list(ActionPlan.objects.filter(state=state).order_by("-starts_on"))


def _month_after(month):
    return (month + dt.timedelta(days=32)).replace(day=1)


def _cumulative(rows, *, start, end, today):
    """Month by month from `start` to `end` (first days of months): how many of `rows` (due,
    original due, completed on) were planned to be due, and how many were completed, by the
    end of each month; completed is None for months after today."""
    planned = sorted(original or due for due, original, _ in rows)
    completed = sorted(done for _, _, done in rows if done)
    points, month = [], start
    while month <= end:
        cutoff = _month_after(month) - dt.timedelta(days=1)
        points.append(
            {
                "month": month,
                "planned": sum(1 for d in planned if d <= cutoff),
                "completed": sum(1 for d in completed if d <= min(cutoff, today))
                if month <= today
                else None,
            }
        )
        month = _month_after(month)
    return points


def plan_timelines(*, plans, today):
    """For each action plan, cumulative milestones planned to be due and completed, month by
    month, on its own axis: from the plan's start (or its earliest date) to its end (or its
    latest date), so a plan of 2019 does not stretch the chart of one of 2026.

    "Planned" uses the due date as first published (the original one when the plan was
    revised), so a revision does not hide a delay. One query for all the plans; plans without
    milestones are left out.
    """
    rows = {}
    for plan_id, *row in Milestone.objects.filter(commitment__action_plan__in=plans).values_list(
        "commitment__action_plan_id", "due_on", "original_due_on", "completed_on"
    ):
        rows.setdefault(plan_id, []).append(row)
    timelines = []
    for plan in plans:
        if plan.pk not in rows:
            continue
        plan_rows = rows[plan.pk]
        dates = [plan.starts_on, plan.ends_on]
        dates += [original or due for due, original, _ in plan_rows]
        dates += [done for _, _, done in plan_rows if done]
        start, end = min(dates).replace(day=1), max(dates).replace(day=1)
        points = _cumulative(plan_rows, start=start, end=end, today=today)
        timelines.append(SimpleNamespace(plan=plan, points=points))
    return timelines


def institution_scorecard(*, today, state=None):
    """Lead institutions ranked from the most behind (institution_rank)."""
    prefix = "led_commitments__milestones__"
    organisations = Organisation.objects.filter(led_commitments__action_plan__state__is_active=True)
    if state is not None:
        organisations = organisations.filter(led_commitments__action_plan__state=state)
    rows = list(
        organisations.select_related("state")
        .annotate(
            commitment_count=Count("led_commitments", distinct=True),
            **_milestone_counts(prefix, today),
        )
        .distinct()
    )
    _with_group_light(rows)
    rows.sort(key=institution_rank)
    return rows


def _commitments_summary(commitments):
    """The milestone counts and light of a list of commitments (annotated by
    commitments_with_counts): each milestone belongs to one commitment, so the sums are the
    counts of their milestones."""
    keys = ("milestone_count", "completed_count", "overdue_count", "red_count", "yellow_count")
    summary = SimpleNamespace(
        commitment_count=len(commitments),
        **{key: sum(getattr(c, key) for c in commitments) for key in keys},
    )
    return _with_group_light([summary])[0]


def institution_page(*, slug, today):
    """An institution with the commitments it leads and those it supports (in active states),
    each with its light and counts, and the figures of each group; the worst first.

    Organisation.DoesNotExist for an unknown slug or one with no commitment to show.
    """
    organisation = Organisation.objects.select_related("state").get(slug=slug)
    commitments = (
        commitments_with_counts(today=today)
        .filter(action_plan__state__is_active=True)
        .select_related("action_plan__state", "lead_institution")
    )
    groups = {}
    for name, lookup in (("led", "lead_institution"), ("supported", "supporting_institutions")):
        rows = list(commitments.filter(**{lookup: organisation}))
        for row in rows:  # light (the worst of its milestones) is annotated
            row.green_count = row.milestone_count - row.red_count - row.yellow_count
        rows.sort(key=lambda c: (-rules.SEVERITY[c.light], c.action_plan.state.name, c.ogp_id))
        groups[name] = rows
    if not groups["led"] and not groups["supported"]:
        raise Organisation.DoesNotExist(slug)
    return SimpleNamespace(
        organisation=organisation,
        led=groups["led"],
        supported=groups["supported"],
        led_summary=_commitments_summary(groups["led"]),
        supported_summary=_commitments_summary(groups["supported"]),
    )


def commitment_detail(*, ogp_id, today):
    """One commitment with its counts and light, its milestones, their evidence, history and
    light changes."""
    evidence = Evidence.objects.select_related("organisation", "submitted_by").order_by(
        "submitted_at", "pk"
    )
    history = StatusUpdate.objects.select_related("organisation", "author").order_by(
        "created_at", "pk"
    )
    lights = Transition.objects.order_by("happened_at", "pk")
    verifications = Verification.objects.select_related("organisation").order_by(
        "-created_at", "-id"
    )
    milestones = Milestone.objects.order_by("number").prefetch_related(
        Prefetch("evidence", queryset=evidence),
        Prefetch("status_updates", queryset=history),
        Prefetch("transitions", queryset=lights),
        # Newest first: the public page shows the latest beside the government's status.
        Prefetch("verifications", queryset=verifications),
        Prefetch(
            "history",
            queryset=HistoryEntry.objects.select_related("organisation", "author").order_by(
                "created_at", "id"
            ),
        ),
        # The right of reply's public thread (templates/public/_dispute.html).
        Prefetch("disputes", queryset=dispute_thread()),
    )
    return (
        commitments_with_counts(today=today)
        .select_related("action_plan__state", "lead_institution")
        .prefetch_related("supporting_institutions", Prefetch("milestones", queryset=milestones))
        .get(ogp_id=ogp_id, action_plan__state__is_active=True)
    )


def red_milestones(*, today, state=None):
    """Every red milestone of the active states, the longest overdue first."""
    milestones = (
        Milestone.objects.filter(signal="red", commitment__action_plan__state__is_active=True)
        .select_related("commitment__action_plan__state", "commitment__lead_institution")
        .order_by("due_on", "signal_since", "pk")
    )
    if state is not None:
        milestones = milestones.filter(commitment__action_plan__state=state)
    milestones = list(milestones)
    for m in milestones:
        m.days_overdue = rules.days_overdue(signal=m.signal, due_on=m.due_on, today=today)
    return milestones


# Contributor panel.


def _with_latest_verification(queryset):
    latest = Verification.objects.filter(milestone=OuterRef("pk")).order_by("-created_at", "-id")
    return queryset.annotate(
        verification_result=Subquery(latest.values("result")[:1]),
        verification_version=Subquery(latest.values("milestone_version")[:1]),
    )


def attention_of(milestone, *, now):
    """Why a milestone needs a contributor's attention: a list of reason codes, maybe empty."""
    reasons = []
    today = timezone.localdate(now)
    if milestone.status != Milestone.Status.COMPLETED:
        assessment = rules.assess_milestone(
            milestone, stale_after_days=milestone.stale_after_days, now=now
        )
        if assessment.overdue:
            reasons.append("overdue")
        elif milestone.due_on <= today + dt.timedelta(days=rules.DUE_SOON_DAYS):
            reasons.append("due_soon")
        if assessment.stale:
            reasons.append("quiet")
    judged_now = milestone.verification_version == milestone.version
    # Disputed while a dispute is in progress (a withdrawn one no longer is).
    if milestone.is_disputed:
        reasons.append("disputed")
    elif milestone.status != Milestone.Status.NOT_STARTED and not judged_now:
        reasons.append("awaiting_verification")
    return reasons


ATTENTION_ORDER = ["overdue", "due_soon", "quiet", "awaiting_verification", "disputed"]


def dashboard(*, user, now):
    """The milestones of the user's states that need attention, grouped by reason.

    A milestone appears under each reason that applies to it. Plans that ended long ago are
    included: an overdue milestone of a finished plan is still overdue.
    """
    milestones = _with_latest_verification(
        permissions.visible_milestones(user)
        .select_related("commitment__action_plan__state")
        .annotate(stale_after_days=F("commitment__action_plan__state__stale_after_days"))
        .order_by("due_on", "commitment__ogp_id", "number")
    )
    groups = {reason: [] for reason in ATTENTION_ORDER}
    for milestone in milestones:
        for reason in attention_of(milestone, now=now):
            groups[reason].append(milestone)
    return groups


def panel_milestone(*, pk):
    """One milestone for its contributor page: evidence, history and latest verification."""
    evidence = Evidence.objects.select_related("organisation", "submitted_by").order_by(
        "submitted_at", "id"
    )
    history = HistoryEntry.objects.select_related("author", "organisation", "status_update")
    return (
        _with_latest_verification(Milestone.objects.all())
        .select_related("commitment__action_plan__state", "commitment__lead_institution")
        .prefetch_related(
            Prefetch("evidence", queryset=evidence),
            Prefetch("history", queryset=history.order_by("created_at", "id")),
            Prefetch("disputes", queryset=dispute_thread(with_authors=True)),
        )
        .get(pk=pk)
    )


def latest_verification(milestone):
    """The latest verification of the milestone, or None; it may judge an older version."""
    return (
        Verification.objects.filter(milestone=milestone)
        .select_related("organisation")
        .order_by("-created_at", "-id")
        .first()
    )


def dispute_thread(*, with_authors=False):
    """Disputes with their organisation and thread, newest first: the queryset to prefetch as
    a milestone's `disputes`. Public pages name organisations only; the panel also reads who
    wrote each step (`with_authors`)."""
    messages = DisputeMessage.objects.select_related("organisation").order_by("created_at", "id")
    if with_authors:
        messages = messages.select_related("author")
    return (
        Dispute.objects.select_related("organisation")
        .prefetch_related(Prefetch("messages", queryset=messages))
        .order_by("-opened_at", "-id")
    )


def dispute_to_act_on(milestone):
    """The dispute a reply acts on: the milestone's dispute in progress, else its latest (so
    a step it can no longer take is refused with a reason, not as if there were none)."""
    disputes = Dispute.objects.filter(milestone=milestone).select_related("organisation")
    return (
        disputes.filter(state__in=Dispute.ACTIVE).first()
        or disputes.order_by("-opened_at", "-id").first()
    )
