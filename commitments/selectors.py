"""Reads for the public pages. Each returns what one page needs in a fixed number of queries,
whatever the amount of data (tests/test_query_counts.py holds them to it)."""

import datetime as dt
import unicodedata
from types import SimpleNamespace

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from states.models import Organisation, State

from . import cache, demo_marks, filtering, permissions, rules
from .models import (
    ActionPlan,
    Commitment,
    Dispute,
    DisputeMessage,
    Evidence,
    HistoryEntry,
    LightReason,
    Milestone,
    RankingSnapshot,
    Reschedule,
    StatusUpdate,
    Transition,
    Verification,
    VerificationStatus,
)

COMPLETED = Milestone.Status.COMPLETED
DISPUTED = VerificationStatus.DISPUTED


def completed_late_original_filter(prefix=""):
    """Completed after the due date of the plan as first published (Milestone.first_due_on):
    late against the original plan, whatever the date in force says."""
    first_due = Coalesce(F(f"{prefix}original_due_on"), F(f"{prefix}due_on"))
    return Q(**{f"{prefix}status": COMPLETED, f"{prefix}completed_on__gt": first_due})


def _milestone_counts(prefix, today):
    """Aggregates over the milestones reached through `prefix` (e.g. "milestones__"), with the
    marks beside the light: late completions, disputes, undated milestones."""
    done = Q(**{f"{prefix}status": COMPLETED})
    disputed = Q(**{f"{prefix}verification_status": DISPUTED})
    overdue = rules.overdue_filter(today, prefix)
    started = ~Q(**{f"{prefix}status": Milestone.Status.NOT_STARTED})

    def count(condition=None):
        return Count(f"{prefix}id", filter=condition, distinct=True)

    return {
        "milestone_count": count(),
        "completed_count": count(done),
        "started_count": count(started),
        "overdue_count": count(overdue),
        "red_count": count(Q(**{f"{prefix}signal": "red"})),
        "yellow_count": count(Q(**{f"{prefix}signal": "yellow"})),
        "completed_late_count": count(rules.completed_late_filter(prefix)),
        "completed_late_original_count": count(completed_late_original_filter(prefix)),
        # Late against either date: the milestones late_completions lists.
        "late_completion_count": count(
            rules.completed_late_filter(prefix) | completed_late_original_filter(prefix)
        ),
        "disputed_count": count(disputed),
        "completed_disputed_count": count(done & disputed),
        "undated_count": count(Q(**{f"{prefix}due_on__isnull": True})),
        **_moved_counts(prefix),
    }


def _moved_counts(prefix):
    """Moved goalposts of the milestones reached through `prefix`: how many have a due date in
    force other than the original one, and by how many days in all (due date in force against
    the original, Milestone.first_due_on; a move to or from "no date" has no days)."""
    original, due = f"{prefix}original_due_on", f"{prefix}due_on"
    moved = Q(**{f"{original}__isnull": False}) & (
        Q(**{f"{due}__isnull": True}) | ~Q(**{due: F(original)})
    )
    days = ExpressionWrapper(F(due) - F(original), output_field=DurationField())
    return {
        "rescheduled_milestone_count": Count(f"{prefix}id", filter=moved, distinct=True),
        "rescheduled_by": Sum(days, filter=Q(**{f"{original}__isnull": False})),
    }


def _reschedule_times(rows, *paths, key=lambda row: row.pk, **where):
    """Sets on each row how many times due dates moved (Reschedule rows) and how many of those
    moves came after the date had passed, for the group `paths` lead to from a Reschedule
    (e.g. "milestone__commitment__action_plan__state"), the group's id being key(row) (a
    tuple of ids for several paths). One query grouped by `paths`, apart from the milestone
    counts: as a correlated subquery of theirs it was evaluated once per milestone joined, not
    per group (3.4 s for the home page of national data with the demo's reschedules)."""
    counts = {
        group[0] if len(paths) == 1 else tuple(group): (n, after)
        for *group, n, after in Reschedule.objects.filter(**where)
        .values(*paths)
        .annotate(n=Count("id"), after=Count("id", filter=Q(after_due=True)))
        .values_list(*paths, "n", "after")
        .order_by()
    }
    for row in rows:
        row.reschedule_count, row.rescheduled_after_due_count = counts.get(key(row), (0, 0))
    return rows


def _reschedule_times_of_one(path, value):
    """_reschedule_times of the one group `path` = `value` (a constant, not the outer row):
    two subqueries PostgreSQL runs once each (an InitPlan), in the same query as the counts."""
    moves = Reschedule.objects.filter(**{path: value}).order_by()

    def count(queryset):
        counted = queryset.values(path).annotate(n=Count("id")).values("n")[:1]
        return Coalesce(Subquery(counted), 0)

    return {
        "reschedule_count": count(moves),
        "rescheduled_after_due_count": count(moves.filter(after_due=True)),
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
        # "3 completed, 1 in dispute": a disputed completion is counted apart.
        row.completed_undisputed_count = row.completed_count - getattr(
            row, "completed_disputed_count", 0
        )
        moved = getattr(row, "rescheduled_by", None)
        row.rescheduled_days = moved.days if moved is not None else 0
        row.reschedule_count = getattr(row, "reschedule_count", 0)
        vars(row).update(_later_or_earlier(row.rescheduled_days))
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


def _later_or_earlier(days):
    """Days moved against the original plan, as the pages write them (no sign in words)."""
    return {"days_later": max(days, 0), "days_earlier": max(-days, 0)}


STATE_PATH = "milestone__commitment__action_plan__state"


def states_overview(*, today):
    """Active states with their counts, light and last activity, for the home page. Each
    state's row is kept apart under that state's version (cache.per_state): after a write,
    only the written state's row is computed again."""
    states = list(State.objects.active().order_by("name").only("pk", "slug"))
    rows = cache.per_state("states", states, lambda pks: _state_rows(pks, today), today=today)
    return _with_group_light([rows[s.pk] for s in states])


def _state_rows(pks, today):
    """{pk: the state annotated with its counts} for the states `pks`: two queries."""
    prefix = "action_plans__commitments__milestones__"
    states = State.objects.filter(pk__in=pks).annotate(
        commitment_count=Count("action_plans__commitments", distinct=True),
        demo_commitment_count=demo_marks.demo_count("action_plans__commitments__"),
        last_activity_at=Max(f"{prefix}last_activity_at"),
        **_milestone_counts(prefix, today),
    )
    rows = _reschedule_times(list(states), STATE_PATH, **{f"{STATE_PATH}__in": pks})
    return {row.pk: row for row in rows}


GROUP_KEYS = (
    "milestone_count",
    "completed_count",
    "started_count",
    "overdue_count",
    "red_count",
    "yellow_count",
    "completed_late_count",
    "completed_late_original_count",
    "late_completion_count",
    "disputed_count",
    "completed_disputed_count",
    "undated_count",
    "rescheduled_milestone_count",
    "reschedule_count",
    "rescheduled_after_due_count",
)
RESCHEDULE_KEYS = ("reschedule_count", "rescheduled_after_due_count")
SUMMARY_KEYS = (
    "commitment_count",
    "demo_commitment_count",
    "last_activity_at",
    "rescheduled_by",
    *GROUP_KEYS,
)
NATIONAL_KEYS = (
    "commitment_count",
    "demo_commitment_count",
    "milestone_count",
    "completed_count",
    "overdue_count",
    "red_count",
    "yellow_count",
    "completed_late_count",
    "completed_late_original_count",
    "late_completion_count",
    "disputed_count",
    "completed_disputed_count",
    "undated_count",
    "reschedule_count",
    "rescheduled_after_due_count",
    "rescheduled_milestone_count",
    "rescheduled_days",
)


def national_totals(states):
    totals = {key: sum(getattr(s, key) for s in states) for key in NATIONAL_KEYS}
    totals["completed_share"] = (
        totals["completed_count"] / totals["milestone_count"] if totals["milestone_count"] else 0
    )
    totals["completed_undisputed_count"] = (
        totals["completed_count"] - totals["completed_disputed_count"]
    )
    totals.update(_later_or_earlier(totals["rescheduled_days"]))
    return totals


def state_summary(*, state, today):
    """One state's own counts and light (the header of its page and of its report)."""
    prefix = "action_plans__commitments__milestones__"
    summary = (
        State.objects.filter(pk=state.pk)
        .annotate(
            commitment_count=Count("action_plans__commitments", distinct=True),
            demo_commitment_count=demo_marks.demo_count("action_plans__commitments__"),
            last_activity_at=Max(f"{prefix}last_activity_at"),
            **_milestone_counts(prefix, today),
            **_reschedule_times_of_one(STATE_PATH, state.pk),
        )
        .values(*SUMMARY_KEYS)
        .get()
    )
    return _with_group_light([SimpleNamespace(**summary)])[0]


# A commitment's light and status, derived from its milestones' counts (_milestone_counts):
# the one definition, read by the state page, its filters and sort, the commitment page and
# the API.
COMMITMENT_LIGHT = Case(
    # A commitment without milestones is not on track: nothing says what it will deliver
    # when ("sin hitos", commitment_reason).
    When(milestone_count=0, then=Value(rules.YELLOW)),
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
        .select_related("action_plan__state", "lead_institution", "municipality")
        .prefetch_related("co_lead_institutions")
        .order_by("action_plan__number", "number")
    )


NO_MILESTONES = "no_milestones"


def commitment_reason(commitment):
    """Why a commitment (annotated by commitments_with_counts) has its light, when its light
    alone would mislead: "no_milestones" (yellow, nothing planned), "completed_late" or
    "completed" when every milestone is completed; None otherwise (its milestones say why)."""
    if commitment.milestone_count == 0:
        return NO_MILESTONES
    if commitment.completed_count == commitment.milestone_count:
        return rules.COMPLETED_LATE if commitment.completed_late_count else rules.COMPLETED
    return None


def with_commitment_lights(commitments):
    """Sets .status_label and .reason on each commitment of a page (light and status are
    annotated)."""
    for c in commitments:
        c.status_label = Milestone.Status(c.status).label
        c.reason = commitment_reason(c)
    return commitments


def state_action_plans(*, state):
    return list(ActionPlan.objects.filter(state=state).order_by("-starts_on"))


class FilterChoice(SimpleNamespace):
    """A lead institution offered by a state page's filter: its pk and its label."""

    def __str__(self):
        return self.label


def state_filter_choices(*, state):
    """The institutions that lead (or co-lead) the state's commitments and the themes of its
    commitments, each sorted, for the state page's filters: one query (a UNION)."""
    of_state = Q(led_commitments__action_plan__state=state) | Q(
        co_led_commitments__action_plan__state=state
    )
    leads = (
        Organisation.objects.filter(of_state)
        .annotate(theme=Value("", output_field=CharField()))
        .values_list("pk", "name", "acronym", "theme")
        .order_by()
    )
    themes = (
        Commitment.objects.filter(action_plan__state=state)
        .exclude(theme="")
        .annotate(
            org=Value(None, output_field=IntegerField()),
            org_name=Value("", output_field=CharField()),
            org_acronym=Value("", output_field=CharField()),
        )
        .values_list("org", "org_name", "org_acronym", "theme")
        .order_by()
    )
    rows = set(leads.union(themes))  # UNION: each institution and each theme once
    institutions = sorted(
        (
            # As Organisation.__str__ names it.
            FilterChoice(pk=pk, label=f"{name} ({acronym})" if acronym else name)
            for pk, name, acronym, _theme in rows
            if pk is not None
        ),
        key=lambda o: (_sort_key(o.label), o.pk),
    )
    themes = {theme for pk, _n, _s, theme in rows if pk is None}
    return institutions, sorted(themes, key=lambda t: (_sort_key(t), t))


def _sort_key(text):
    """Alphabetical as a reader expects it, whatever the database's collation: accents and
    case ignored (Á with A)."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).casefold()


# A plan's chart spans at most this much before its start and after its end: a milestone
# dated further away (an absurd date, 0001-01-01) is counted at the axis' first or last month
# rather than stretching it over centuries.
CHART_MARGIN_YEARS = 10


def _months_between(start, end):
    return (end.year - start.year) * 12 + end.month - start.month


def _add_months(month, n):
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _cumulative(planned, completed, *, start, end, today):
    """Month by month from `start` to `end` (first days of months): how many milestones were
    planned to be due, and how many were completed, by the end of each month; completed is
    None for months after today. `planned` and `completed` are {month: count}; months before
    `start` count from the first point, months after `end` at the last."""
    points = []
    planned_total = completed_total = 0
    planned_months = sorted(planned)
    completed_months = sorted(completed)
    p = c = 0
    last = _months_between(start, end)
    for i in range(last + 1):
        month = _add_months(start, i)
        while p < len(planned_months) and (i == last or planned_months[p] <= month):
            planned_total += planned[planned_months[p]]
            p += 1
        while c < len(completed_months) and (i == last or completed_months[c] <= month):
            completed_total += completed[completed_months[c]]
            c += 1
        points.append(
            {
                "month": month,
                "planned": planned_total,
                "completed": completed_total if month <= today else None,
            }
        )
    return points


def _monthly_counts(plans, today):
    """{plan id: ({month: milestones planned to be due}, {month: completed by today})}, in one
    query (a UNION of two counts grouped by month): the rows are months, not milestones."""
    base = Milestone.objects.filter(commitment__action_plan__in=plans).order_by()
    planned = (  # undated ones as a month of None: their plan has a chart, at 0
        base.annotate(day=Coalesce("original_due_on", "due_on"))
        .annotate(month=TruncMonth("day", output_field=DateField()), kind=Value("planned"))
        .values_list("commitment__action_plan_id", "kind", "month")
        .annotate(n=Count("pk"))
    )
    completed = (
        base.filter(completed_on__isnull=False, completed_on__lte=today)
        .annotate(
            month=TruncMonth("completed_on", output_field=DateField()), kind=Value("completed")
        )
        .values_list("commitment__action_plan_id", "kind", "month")
        .annotate(n=Count("pk"))
    )
    counts = {}
    for plan_id, kind, month, n in planned.union(completed, all=True):
        if isinstance(month, dt.datetime):
            month = month.date()
        elif isinstance(month, str):  # SQLite, through the UNION
            month = dt.date.fromisoformat(month[:10])
        by_kind = counts.setdefault(plan_id, ({}, {}))
        if month is not None:
            by_kind[0 if kind == "planned" else 1][month] = n
    return counts


def plan_timelines(*, plans, today):
    """For each action plan, cumulative milestones planned to be due and completed, month by
    month, on its own axis: from the plan's start (or its earliest date) to its end (or its
    latest date), so a plan of 2019 does not stretch the chart of one of 2026; never more than
    CHART_MARGIN_YEARS beyond the plan's own dates.

    "Planned" uses the due date as first published (the original one when the plan was
    revised), so a revision does not hide a delay. One query for all the plans, whose rows
    are months (not milestones); plans without milestones are left out.
    """
    counts = _monthly_counts(plans, today)
    timelines = []
    for plan in plans:
        if plan.pk not in counts:
            continue
        planned, completed = counts[plan.pk]
        months = [plan.starts_on.replace(day=1), plan.ends_on.replace(day=1)]
        months += [*planned, *completed]
        margin = 12 * CHART_MARGIN_YEARS
        start = max(min(months), _add_months(months[0], -margin))
        end = min(max(months), _add_months(months[1], margin))
        points = _cumulative(planned, completed, start=start, end=end, today=today)
        timelines.append(SimpleNamespace(plan=plan, points=points))
    return timelines


def institution_scorecard(*, today, state=None):
    """Lead institutions ranked from the most behind (institution_rank). A commitment with
    several leads counts for each of them; an institution leading commitments of several
    states counts them all. Each state's share (the figures of its commitments' leads) is
    kept apart under that state's version (cache.per_state)."""
    if state is None:
        states = list(State.objects.filter(is_active=True).only("pk", "slug"))
    else:
        states = [state]
    shares = cache.per_state(
        "scorecard", states, lambda pks: _scorecard_shares(pks, today), today=today
    )
    sums = [
        "commitment_count",
        "demo_commitment_count",
        *_milestone_counts("", today),
        *RESCHEDULE_KEYS,
    ]
    by_pk = {}
    for share in shares.values():
        for row in share or ():
            first = by_pk.setdefault(row.pk, row)
            if first is not row:  # leads some commitments first and co-leads others
                for key in sums:
                    a, b = getattr(first, key), getattr(row, key)
                    setattr(first, key, b if a is None else a if b is None else a + b)
    rows = list(by_pk.values())
    _with_group_light(rows)
    rows.sort(key=institution_rank)
    return rows


# The ranking over time (models.RankingSnapshot): the changes the scorecard shows, and how
# far back its small chart goes.
RANKING_CHANGE_DAYS = (30, 90)
# A missed day is no gap: the change against "30 days ago" reads the latest snapshot taken
# on that day or up to this many days before it; with none, it says "no data".
RANKING_TOLERANCE_DAYS = 7


def with_ranking_history(rows, *, kind, today):
    """Sets on each row of a ranking (institution_scorecard, states_overview) what the
    snapshots say of it, in one query: .ranking_changes, for 30 and 90 days ago, each
    SimpleNamespace(days, then, red_change) (then: the snapshot, None when there is none;
    red_change: red milestones now less then), and .ranking_history, [(date, red)] oldest
    first, ending with today's figures."""
    since = today - dt.timedelta(days=max(RANKING_CHANGE_DAYS) + RANKING_TOLERANCE_DAYS)
    by_object = {}
    snapshots = RankingSnapshot.objects.filter(
        kind=kind, object_id__in=[r.pk for r in rows], date__gte=since, date__lt=today
    ).order_by("date")
    for snapshot in snapshots:
        by_object.setdefault(snapshot.object_id, []).append(snapshot)
    for row in rows:
        mine = by_object.get(row.pk, [])
        row.ranking_changes = []
        for days in RANKING_CHANGE_DAYS:
            target = today - dt.timedelta(days=days)
            earliest = target - dt.timedelta(days=RANKING_TOLERANCE_DAYS)
            then = next((s for s in reversed(mine) if earliest <= s.date <= target), None)
            change = row.red_count - then.red if then else None
            row.ranking_changes.append(SimpleNamespace(days=days, then=then, red_change=change))
        history_from = today - dt.timedelta(days=max(RANKING_CHANGE_DAYS))
        row.ranking_history = [(s.date, s.red) for s in mine if s.date >= history_from]
        row.ranking_history.append((today, row.red_count))
    return rows


def _scorecard_shares(pks, today):
    """{state pk: [institution rows]} for the states `pks`: each row an institution with the
    counts of the commitments of that state's plans it leads (one row) or co-leads (another).
    Four queries, whatever the number of states."""
    shares = {pk: [] for pk in pks}
    for relation, lead in (
        ("led_commitments", "lead_institution"),
        ("co_led_commitments", "co_lead_institutions"),
    ):
        for row in _scorecard_rows(relation, lead, pks, today):
            shares[row.plan_state].append(row)
    return shares


def _scorecard_rows(relation, lead, pks, today):
    prefix = f"{relation}__milestones__"
    plan_state = f"{relation}__action_plan__state"
    # One filter() call, so the annotations run over the same join: a second join would
    # repeat each milestone once per commitment, and the days moved would be summed again.
    # Grouped by institution and the state of the plans (plan_state).
    rows = list(
        Organisation.objects.filter(**{f"{plan_state}__in": pks})
        .select_related("state")
        .annotate(plan_state=F(plan_state))
        .annotate(
            commitment_count=Count(relation, distinct=True),
            demo_commitment_count=demo_marks.demo_count(f"{relation}__"),
            **_milestone_counts(prefix, today),
        )
        .distinct()
    )
    return _reschedule_times(
        rows,
        f"milestone__commitment__{lead}",
        STATE_PATH,
        key=lambda row: (row.pk, row.plan_state),
        **{f"{STATE_PATH}__in": pks},
    )


def _commitments_summary(commitments):
    """The milestone counts and light of a list of commitments (annotated by
    commitments_with_counts): each milestone belongs to one commitment, so the sums are the
    counts of their milestones."""
    keys = ("milestone_count", "completed_count", "overdue_count", "red_count", "yellow_count")
    summary = SimpleNamespace(
        commitment_count=len(commitments),
        demo_commitment_count=sum(demo_marks.is_demo(c) for c in commitments),
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
        .select_related("action_plan__state", "lead_institution", "municipality")
        .prefetch_related("co_lead_institutions")
    )
    groups = {}
    for name, rows in (
        ("led", filtering.by_lead(commitments, organisation.pk)),
        ("supported", commitments.filter(supporting_institutions=organisation)),
    ):
        rows = list(rows)
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


# A commitment's milestones its page shows at a time (public.views.commitment_detail); known
# here so that a link to a milestone (the feeds) can name the page that lists it.
MILESTONE_PAGE_SIZE = 100


def with_commitment_page(queryset):
    """Milestones annotated with how many of their commitment's come before them (by number),
    a correlated count each on the (commitment, number) unique index: commitment_page then
    says which page of their commitment's page lists them, for a link to land on it."""
    before = (
        Milestone.objects.filter(
            commitment_id=OuterRef("commitment_id"), number__lt=OuterRef("number")
        )
        .order_by()
        .values("commitment_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(milestones_before=Coalesce(Subquery(before[:1]), 0))


def commitment_page(milestone):
    """The page of its commitment's page that lists `milestone` (with_commitment_page), from 1."""
    return milestone.milestones_before // MILESTONE_PAGE_SIZE + 1


def on_its_page(milestone, fragment, page):
    """A link to `fragment` of the commitment's page, on the page of it that lists
    `milestone` (commitment_page): a commitment's milestones are paged."""
    url = milestone.commitment.get_absolute_url()
    return f"{url}?pagina={page}#{fragment}" if page > 1 else f"{url}#{fragment}"


def commitment_pages(milestone_ids):
    """{milestone id: commitment_page} of the milestones `milestone_ids`, in one query."""
    rows = with_commitment_page(Milestone.objects.filter(pk__in=milestone_ids))
    return {m.pk: commitment_page(m) for m in rows.only("pk", "commitment_id", "number")}


def commitment_detail(*, ogp_id, today, milestones_with=None, milestones=(0, None)):
    """One commitment with its counts and light, its milestones (.milestones_shown: those
    from `milestones`[0] to before [1], in order: a page of them), their evidence (with a link's
    archived copy), history and light changes. `milestones_with`, if given, takes the
    milestones' queryset and returns it with more (annotations of a higher app's rows, read in
    the same query). What the page says of all its milestones is annotated, whichever are
    read: their counts (commitments_with_counts) and the moves of their due dates (.moves:
    how many moves, how many after the date had passed, how many milestones moved, and the
    days their due dates moved against the original plan).

    Each milestone shown has its evidence and history whole: they grow with that milestone's
    own activity (its reports, evidence and light changes), not with the number of
    milestones, commitments or states, and they are its public record."""
    first, last = milestones
    evidence = Evidence.objects.select_related("organisation", "submitted_by", "archive").order_by(
        "submitted_at", "pk"
    )
    history = StatusUpdate.objects.select_related("organisation", "author").order_by(
        "created_at", "pk"
    )
    lights = Transition.objects.order_by("happened_at", "pk")
    verifications = Verification.objects.select_related("organisation").order_by(
        "-created_at", "-id"
    )
    reschedules = Reschedule.objects.select_related("organisation").order_by("created_at", "id")
    shown = Milestone.objects.order_by("number").prefetch_related(
        Prefetch("evidence", queryset=evidence),
        Prefetch("status_updates", queryset=history),
        Prefetch("reschedules", queryset=reschedules),
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
    if milestones_with is not None:
        shown = milestones_with(shown)
    moves = Reschedule.objects.filter(milestone__commitment__ogp_id=ogp_id).order_by()

    def count(queryset, counted="id"):
        # Of the constant ogp_id: run once (an InitPlan), in the commitment's query.
        total = queryset.values("milestone__commitment").annotate(n=Count(counted, distinct=True))
        return Coalesce(Subquery(total.values("n")[:1]), 0)

    commitment = (
        commitments_with_counts(today=today)
        .annotate(
            moves_count=count(moves),
            moves_after_due_count=count(moves.filter(after_due=True)),
            moved_milestone_count=count(moves, "milestone"),
        )
        .select_related("action_plan__state", "lead_institution", "municipality")
        # A slice of a prefetch is read into a list of its own (.milestones_shown).
        .prefetch_related(
            Prefetch("milestones", queryset=shown[first:last], to_attr="milestones_shown")
        )
        .get(ogp_id=ogp_id, action_plan__state__is_active=True)
    )
    days = commitment.rescheduled_by.days if commitment.rescheduled_by is not None else 0
    commitment.moves = SimpleNamespace(
        reschedule_count=commitment.moves_count,
        rescheduled_after_due_count=commitment.moves_after_due_count,
        rescheduled_milestone_count=commitment.moved_milestone_count,
        rescheduled_days=days,
        **_later_or_earlier(days),
    )
    _prefetch_institutions(commitment)
    return commitment


def _prefetch_institutions(commitment):
    """Its supporting and co-lead institutions in one query (two prefetches would be two),
    stored where prefetch_related stores them: commitment.supporting_institutions.all() and
    .co_lead_institutions.all() then cost no query."""
    supports = Commitment.supporting_institutions.through.objects.filter(
        commitment_id=commitment.pk, organisation_id=OuterRef("pk")
    )
    co_leads = Commitment.co_lead_institutions.through.objects.filter(
        commitment_id=commitment.pk, organisation_id=OuterRef("pk")
    )
    rows = list(
        Organisation.objects.annotate(supports=Exists(supports), co_leads=Exists(co_leads))
        .filter(Q(supports=True) | Q(co_leads=True))
        .order_by(*(Organisation._meta.ordering or ["pk"]))
    )
    cache = getattr(commitment, "_prefetched_objects_cache", None)
    if cache is None:
        cache = commitment._prefetched_objects_cache = {}
    for name, flag in (
        ("supporting_institutions", "supports"),
        ("co_lead_institutions", "co_leads"),
    ):
        related = getattr(commitment, name).all()
        related._result_cache = [o for o in rows if getattr(o, flag)]
        related._prefetch_done = True
        cache[name] = related


def milestone_history(milestone):
    """One history of a milestone, oldest first: every change a person made (HistoryEntry),
    each status report with what it changed (its StatusUpdate, also those written before
    the log existed or by the importer), and every change of its light (Transition).

    Reads the prefetches of commitment_detail. Each item has .at (when), .kind ("entry",
    "status" or "light") and the record itself as .entry, .update and/or .transition; a
    status report logged by a person is one item with both .entry and .update.
    """
    updates = {u.pk: u for u in milestone.status_updates.all()}
    items = []
    for entry in milestone.history.all():
        update = updates.pop(entry.status_update_id, None)
        kind = "status" if update else "entry"
        items.append(SimpleNamespace(at=entry.created_at, kind=kind, entry=entry, update=update))
    for update in updates.values():
        items.append(
            SimpleNamespace(at=update.created_at, kind="status", entry=None, update=update)
        )
    for t in milestone.transitions.all():
        items.append(SimpleNamespace(at=t.happened_at, kind="light", transition=t))
    # A change and the light it turned share a moment: the change first.
    order = {"status": 0, "entry": 0, "light": 1}
    items.sort(key=lambda i: (i.at, order[i.kind]))
    return items


def with_lateness(milestones, *, today):
    """Sets on each milestone what its marks read: .days_overdue; .days_late against the due
    date in force and .days_late_original against the plan as first published (None when not
    late: rules.days_late); .days_moved, its due date in force against the original one.

    With reschedules prefetched (commitment_detail), also .reschedule_list and
    .rescheduled_after_due; otherwise those come from annotations, if any.
    """
    for m in milestones:
        m.days_overdue = rules.days_overdue(signal=m.signal, due_on=m.due_on, today=today)
        late = {"status": m.status, "completed_on": m.completed_on, "signal": m.signal}
        m.days_late = rules.days_late(due_on=m.due_on, today=today, **late)
        m.days_late_original = rules.days_late(due_on=m.first_due_on, today=today, **late)
        first = m.first_due_on
        m.days_moved = (m.due_on - first).days if m.due_on and first else 0
        m.days_later, m.days_earlier = max(m.days_moved, 0), max(-m.days_moved, 0)
        if "reschedules" in getattr(m, "_prefetched_objects_cache", {}):
            m.reschedule_list = list(m.reschedules.all())
            m.reschedule_count = len(m.reschedule_list)
            m.rescheduled_after_due = any(r.after_due for r in m.reschedule_list)
            # The precision of the date first published, to strike it through as written.
            m.original_precision = (
                m.reschedule_list[0].old_precision if m.reschedule_list else m.due_precision
            )
    return milestones


def _moves_of(queryset):
    """Annotates each milestone with how many times its due date moved and whether any move
    came after the date had passed (one correlated count each, no join)."""
    moves = Reschedule.objects.filter(milestone=OuterRef("pk")).order_by().values("milestone")
    return queryset.annotate(
        reschedule_count=Coalesce(Subquery(moves.annotate(n=Count("id")).values("n")[:1]), 0),
        rescheduled_after_due=Exists(
            Reschedule.objects.filter(milestone=OuterRef("pk"), after_due=True)
        ),
    )


def _red(state):
    milestones = Milestone.objects.filter(
        signal="red", commitment__action_plan__state__is_active=True
    )
    if state is not None:
        milestones = milestones.filter(commitment__action_plan__state=state)
    return milestones


# The longest overdue first: the earliest due date (undated ones last, as 0 days overdue).
_LONGEST_OVERDUE = (F("due_on").asc(nulls_last=True), "signal_since", "pk")


def _worst_first(today):
    """The PDF report's order (public.report_pdf.worst_first): the most days overdue first,
    then the longest red (those not overdue count 0 days), then by OGP id and number."""
    overdue_since = Case(When(rules.overdue_filter(today), then=F("due_on")), default=None)
    return (
        overdue_since.asc(nulls_last=True),
        "signal_since",
        "commitment__ogp_id",
        "number",
    )


def red_milestones(*, today, state=None, limit=None, worst_first=False):
    """The red milestones of the active states, the longest overdue first (the first `limit`
    of them, or all); `worst_first`: in the PDF report's order instead (_worst_first)."""
    milestones = (
        _red(state)
        .select_related("commitment__action_plan__state", "commitment__lead_institution")
        .order_by(*(_worst_first(today) if worst_first else _LONGEST_OVERDUE))
    )
    if limit is not None:
        milestones = milestones[:limit]
    return with_lateness(list(_moves_of(milestones)), today=today)


# What the semáforo groups red milestones by: the group's name, then its id (two
# institutions may share a name), as the milestone reaches them.
RED_GROUPS = {
    "estado": ("commitment__action_plan__state__name", "commitment__action_plan__state_id"),
    "institucion": ("commitment__lead_institution__name", "commitment__lead_institution_id"),
}


def red_milestones_grouped(*, state=None, by="estado", today=None):
    """The red milestones of the active states grouped `by` (RED_GROUPS), each group the
    longest overdue first: what to paginate (with_lateness on each page), and each group's
    whole count by its id. By state, with `today`, the counts are the red counts of the
    states' rows (states_overview, each kept under its state's version) and a page reads only
    the states it shows (RedByState); otherwise a queryset, and one query for the counts."""
    name, key = RED_GROUPS[by]
    milestones = _moves_of(
        _red(state)
        .select_related("commitment__action_plan__state", "commitment__lead_institution")
        .order_by(name, key, *_LONGEST_OVERDUE)
    )
    if by == "estado" and today is not None:
        rows = states_overview(today=today)
        if state is not None:
            rows = [row for row in rows if row.pk == state.pk]
        grouped = RedByState(milestones, [(row.pk, row.red_count) for row in rows])
        return grouped, dict(grouped.counts)
    counts = dict(_red(state).order_by().values_list(key).annotate(n=Count("pk")))
    return milestones, counts


class RedByState:
    """Red milestones ordered by state (by name), as a Paginator reads them: the count is
    the sum of the states' red counts, and a slice reads only the states whose milestones it
    holds, not every red milestone of the country sorted to find a page of them."""

    def __init__(self, milestones, counts):
        self.queryset = milestones  # every one, for what is asked of them all (demo marks)
        self.counts = [(pk, n) for pk, n in counts if n]

    def count(self):
        return sum(n for _pk, n in self.counts)

    def __len__(self):
        return self.count()

    def __getitem__(self, part):
        start, stop = part.start or 0, part.stop
        covered, first, offset = [], None, 0
        for pk, n in self.counts:
            if offset < stop and offset + n > start:
                covered.append(pk)
                first = offset if first is None else first
            offset += n
        if not covered:
            return []
        here = self.queryset.filter(commitment__action_plan__state__in=covered)
        return list(here[start - first : stop - first])


# Deadline watch: the windows a reader may choose, in days (the first is the default).
RECENT_WINDOWS = (30, 7)
UPCOMING_WINDOWS = (30, 90)


def _watched(state):
    milestones = Milestone.objects.filter(
        commitment__action_plan__state__is_active=True
    ).select_related(
        "commitment__action_plan__state", "commitment__lead_institution", "commitment__municipality"
    )
    if state is not None:
        milestones = milestones.filter(commitment__action_plan__state=state)
    return milestones


def recently_overdue(*, today, days, state=None):
    """Unfinished milestones whose due date passed in the last `days` days (overdue as the
    tracker shows it: red and past the date, rules.overdue_filter), the most recent first;
    and, apart, those that went red for want of activity in that window without being
    overdue (stale). Lists, with their lateness (the feed); the page reads
    recently_overdue_querysets a page at a time."""
    overdue, stale = recently_overdue_querysets(today=today, days=days, state=state)
    return (
        with_lateness(list(overdue), today=today),
        with_lateness(list(stale), today=today),
    )


def recently_overdue_querysets(*, today, days, state=None):
    """recently_overdue's two lists, not yet read."""
    since = today - dt.timedelta(days=days)
    overdue = (
        _moves_of(_watched(state).filter(rules.overdue_filter(today), due_on__gte=since))
        .exclude(status=Milestone.Status.COMPLETED)
        .order_by("-due_on", "commitment__ogp_id", "number")
    )
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    stale = (
        _moves_of(
            _watched(state).filter(
                signal=rules.RED, light_reason=rules.STALE, signal_since__gte=start
            )
        )
        .exclude(rules.overdue_filter(today))
        .order_by("-signal_since", "commitment__ogp_id", "number")
    )
    return overdue, stale


def upcoming_due(*, today, days, state=None):
    """Unfinished milestones due from today to `days` days from now, the soonest first, not
    yet read (the page reads them a page at a time, then with_lateness)."""
    until = today + dt.timedelta(days=days)
    return (
        _moves_of(_watched(state).filter(due_on__gte=today, due_on__lte=until))
        .exclude(status=Milestone.Status.COMPLETED)
        .order_by("due_on", "commitment__ogp_id", "number")
    )


def dated_milestones(*, state=None):
    """Every milestone with a due date, for the calendar of due dates (one event each), with
    how many times its date moved (reschedule_count)."""
    return _moves_of(_watched(state).filter(due_on__isnull=False)).order_by("due_on", "pk")


# The late completions a page lists, the most days late first; it says how many there are.
LATE_LIST_SIZE = 100


def late_completions(*, today, state=None, total=None):
    """Milestones of the active states completed after their due date in force or after the
    original one, the most days late first (at most LATE_LIST_SIZE), and how many there are
    (counted unless the caller knows: a summary's late_completion_count)."""
    late = rules.completed_late_filter() | completed_late_original_filter()
    first_due = Coalesce(F("original_due_on"), F("due_on"))
    milestones = Milestone.objects.filter(late, commitment__action_plan__state__is_active=True)
    if state is not None:
        milestones = milestones.filter(commitment__action_plan__state=state)
    if total is None:
        total = milestones.count()
    rows = (
        _moves_of(milestones)
        .select_related("commitment__action_plan__state", "commitment__lead_institution")
        .annotate(
            behind=ExpressionWrapper(F("completed_on") - first_due, output_field=DurationField())
        )
        .order_by("-behind", "-completed_on", "pk")[:LATE_LIST_SIZE]
    )
    return with_lateness(list(rows), today=today), total


# Contributor panel.


def with_latest_verification(queryset):
    """Milestones annotated with their latest verification's result and the version it judged."""
    latest = Verification.objects.filter(milestone=OuterRef("pk")).order_by("-created_at", "-id")
    return queryset.annotate(
        verification_result=Subquery(latest.values("result")[:1]),
        verification_version=Subquery(latest.values("milestone_version")[:1]),
    )


# The reasons of a light that ask the government for a report: late, or due soon, or quiet.
REPORT_REASONS = (
    LightReason.OVERDUE,
    LightReason.STALE,
    LightReason.DUE_SOON,
    LightReason.QUIET,
)


def needs_report():
    """Q: an unfinished milestone whose light asks for the government's report (the worklist's
    "needs my report"; attention_of's overdue, due soon and quiet, read from the stored light)."""
    return Q(light_reason__in=REPORT_REASONS) & ~Q(status=Milestone.Status.COMPLETED)


def awaiting_verification():
    """Q on milestones annotated by with_latest_verification: a reported status no verdict
    has judged yet, and no dispute in progress (as attention_of's "awaiting_verification")."""
    return (
        ~Q(status=Milestone.Status.NOT_STARTED)
        & ~Q(verification_status=VerificationStatus.DISPUTED)
        & (Q(verification_version__isnull=True) | ~Q(verification_version=F("version")))
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
        elif milestone.due_on is not None and milestone.due_on <= today + dt.timedelta(
            days=rules.DUE_SOON_DAYS
        ):
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
    milestones = with_latest_verification(
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
        with_latest_verification(Milestone.objects.all())
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
