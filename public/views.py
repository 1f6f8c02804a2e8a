"""Public pages: anyone, no account. Reads come from selectors; pages are cached until any
data they show changes (commitments.cache)."""

import codecs
from types import SimpleNamespace

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments import cache, demo_marks, files, search, selectors, uploads
from commitments.cache import cached_public_page
from commitments.methodology import CHANGES as METHOD_CHANGES
from commitments.models import (
    ActionPlan,
    AuditRun,
    Commitment,
    Evidence,
    Light,
    LightReason,
    Milestone,
)
from states.models import Organisation, State, TransparencyBodyTerm
from transparency import rules as request_rules

from . import calendar as ical
from . import cards, charts, design, report_pdf
from . import press_kit as press_kit_files
from .filters import CommitmentFilter

PAGE_SIZE = 20
# Rows a page of the semáforo and of the institution scorecard shows.
SEMAFORO_PAGE_SIZE = 100
DEADLINE_PAGE_SIZE = 100  # recently overdue, upcoming deadlines
SCORECARD_PAGE_SIZE = 50
# Red milestones and institutions a state's report lists, the worst first ("and N more").
REPORT_LIMIT = 30

# The query parameters each page reads, the only ones its cached copy is keyed on
# (commitments.cache): the state page's filters (public.filters), sort and page.
# A value the page cannot use is shown as "not understood" and that page is not stored.
STATE_PAGE_PARAMS = (
    ("q", cache.text),
    ("plan", cache.text),
    ("estatus", cache.text),
    ("valor", cache.text),
    ("institucion", cache.text),
    ("tema", cache.text),
    ("alerta", cache.flag),
    ("orden", cache.text),
    ("pagina", cache.page_number),
)
SEARCH_PARAMS = (("q", cache.text), ("estado", cache.slug), ("pagina", cache.page_number))
SEMAFORO_PARAMS = (
    ("estado", cache.slug),
    ("agrupar", cache.choice(["institucion"])),
    ("pagina", cache.page_number),
)
BY_STATE_PAGE_PARAMS = (("estado", cache.slug), ("pagina", cache.page_number))


def _deadline_params(windows):
    return (
        ("estado", cache.slug),
        ("dias", cache.choice([str(d) for d in windows])),
        ("pagina", cache.page_number),
    )


# A commitment's milestones a page at a time: real plans have a handful, an import may give
# one thousands. The feeds' links name the page that lists a milestone, so the domain knows it.
MILESTONE_PAGE_SIZE = selectors.MILESTONE_PAGE_SIZE
COMMITMENT_PAGE_PARAMS = (("pagina", cache.page_number),)
# An institution's page: the commitments it leads (`pagina`) and those it supports
# (`pagina-apoyo`), each INSTITUTION_PAGE_SIZE at a time.
INSTITUTION_PAGE_PARAMS = (("pagina", cache.page_number), ("pagina-apoyo", cache.page_number))
INSTITUTION_PAGE_SIZE = 50
RECENT_PARAMS = _deadline_params(selectors.RECENT_WINDOWS)
UPCOMING_PARAMS = _deadline_params(selectors.UPCOMING_WINDOWS)


@cached_public_page(scopes=cache.national)
def home(request):
    today = timezone.localdate()
    states = selectors.states_overview(today=today)
    context = {
        "states": states,
        "totals": selectors.national_totals(states),
        "today": today,
        "card": cards.national(states, today=today),
        "shows_demo": demo_marks.includes_demo(states),
    }
    return render(request, "public/home.html", context)


def _active_state(slug):
    # With its transparency body's terms and their organisations, in one query.
    terms = TransparencyBodyTerm.objects.select_related("organisation")
    states = State.objects.active().prefetch_related(Prefetch("transparency_terms", terms))
    return get_object_or_404(states, slug=slug)


@cached_public_page(scopes=cache.state_of_url, params=STATE_PAGE_PARAMS)
def state_detail(request, slug):
    state = _active_state(slug)
    today = timezone.localdate()
    summary = selectors.state_summary(state=state, today=today)
    plans = selectors.state_action_plans(state=state)
    commitments = selectors.state_commitments(state=state, today=today)
    leads, themes = selectors.state_filter_choices(state=state)
    filterset = CommitmentFilter(
        request.GET or None,
        queryset=commitments,
        plans=plans,
        themes=themes,
        leads=leads,
    )
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("pagina"))
    if filterset.errors or request.GET.get("pagina", str(page.number)) != str(page.number):
        cache.dont_store(request)  # a filter not understood, or a page past the last
    selectors.with_commitment_lights(page.object_list)
    timelines = selectors.plan_timelines(plans=plans, today=today)
    late_total = summary.late_completion_count
    late, _total = selectors.late_completions(today=today, state=state, total=late_total)
    query = request.GET.copy()
    query.pop("pagina", None)
    context = {
        "state": state,
        "summary": summary,
        "plans": plans,
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "filtered": any(v for k, v in request.GET.items() if k not in ("pagina", "orden")),
        "plan_charts": charts.plan_charts(timelines, today=today),
        "late": late,
        "late_total": late_total,
        "today": today,
        "card": cards.state(state, summary, today=today),
        "shows_demo": demo_marks.includes_demo([summary]),
    }
    return render(request, "public/state.html", context)


@cached_public_page(scopes=cache.state_of_param, params=SEARCH_PARAMS)
def national_search(request):
    """Commitments of every state matching the words (commitments.search): titles, texts,
    the lead institution's name or acronym; Spanish plurals and accents ignored."""
    today = timezone.localdate()
    states = list(State.objects.active())
    state = _selected_state(request, states)
    text = " ".join(request.GET.get("q", "").split())[:200]
    page = None
    if text:
        # The matches are found, counted and paged on the commitments alone; only the page's
        # are then read with their milestones' counts (a join of every match's milestones
        # grouped, for 20 rows shown, took seconds at 25,000 commitments).
        matches = Commitment.objects.filter(action_plan__state__is_active=True).order_by(
            "action_plan__state__name", "action_plan__number", "number"
        )
        if state:
            matches = matches.filter(action_plan__state=state)
        paginator = Paginator(search.search(matches, text).values_list("pk", flat=True), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("pagina"))
        if request.GET.get("pagina", str(page.number)) != str(page.number):
            cache.dont_store(request)  # a page past the last
        ids = list(page.object_list)
        found = (
            commitments_with_counts_in(state=state, today=today)
            .filter(pk__in=ids)
            .select_related("action_plan__state", "lead_institution", "municipality")
            .prefetch_related("co_lead_institutions")
            .in_bulk()
        )
        page.object_list = selectors.with_commitment_lights([found[pk] for pk in ids])
    query = request.GET.copy()
    query.pop("pagina", None)
    context = {
        "q": text,
        "states": states,
        "selected_state": state,
        "page": page,
        "query": query.urlencode(),
        "today": today,
        "shows_demo": page is not None and demo_marks.includes_demo(page.object_list),
    }
    return render(request, "public/search.html", context)


def commitments_with_counts_in(*, state, today):
    queryset = selectors.commitments_with_counts(today=today).filter(
        action_plan__state__is_active=True
    )
    return queryset.filter(action_plan__state=state) if state else queryset


def _selected_state(request, states):
    """The state named by `?estado=`, or None; a name of no state is not cached."""
    slug = request.GET.get("estado")
    state = next((s for s in states if s.slug == slug), None)
    if slug and state is None:
        cache.dont_store(request)
    return state


def _plan_chart(request, slug, number):
    """One plan's chart as a standalone SVG document, with the site's credit."""
    plan = get_object_or_404(
        ActionPlan.objects.select_related("state"), state__slug=slug, state__is_active=True,
        number=number,
    )  # fmt: skip
    today = timezone.localdate()
    (timeline,) = selectors.plan_timelines(plans=[plan], today=today) or [None]
    if timeline is None:
        raise Http404
    return _chart_svg(request, timeline, today=today)


def _chart_svg(request, timeline, *, today):
    """A plan's timeline (selectors.plan_timelines) drawn as a standalone SVG, credited."""
    plan = timeline.plan
    chart = charts.draw(timeline.points, charts.SIZES[0], today=today)
    credit = _("%(site)s · %(url)s · %(date)s · CC BY 4.0") % {
        "site": _("OGP Tracker"),
        "url": request.build_absolute_uri(plan.state.get_absolute_url()),
        "date": formats.date_format(today, "DATE_FORMAT"),
    }
    context = {
        "c": chart,
        "standalone": True,
        "credit": credit,
        "demo": demo_marks.includes_demo(plan.commitments.all()),
    }
    return render_to_string("public/_chart.svg.html", context, request=request)


@cached_public_page(scopes=cache.state_of_url)
def plan_chart_svg(request, slug, number):
    """One plan's chart as a file of its own, with the site's credit, to download or embed."""
    # The page's link names the file (download="..."): a cached hit replays only a few
    # headers (commitments.cache), so none is set here.
    svg = _plan_chart(request, slug, number)
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


@cached_public_page(scopes=cache.state_of_url)
def plan_chart_png(request, slug, number):
    """The same chart as a PNG picture (twice the SVG's pixels), for slides and documents
    that take no SVG. Drawn on the server from the SVG by resvg (public/charts.py)."""
    png = charts.to_png(_plan_chart(request, slug, number))
    return HttpResponse(png, content_type="image/png")


@cached_public_page(scopes=cache.state_of_param, params=BY_STATE_PAGE_PARAMS)
def institutions(request):
    """The scorecard, ranked over every lead institution, a page at a time."""
    today = timezone.localdate()
    states = list(State.objects.active())
    state = _selected_state(request, states)
    rows = selectors.institution_scorecard(today=today, state=state)
    page = _page_of(request, rows, SCORECARD_PAGE_SIZE)
    if state is None:
        # The snapshots hold each institution's national figures: compared with the national
        # scorecard only (a state's view counts only that state's plans).
        selectors.with_ranking_history(page.object_list, kind="institution", today=today)
        days = max(selectors.RANKING_CHANGE_DAYS)
        for row in page.object_list:
            row.sparkline = charts.sparkline(row.ranking_history, days=days, today=today)
    context = {
        "page": page,
        "rows": page.object_list,
        "query": _query_without_page(request),
        "states": states,
        "selected_state": state,
        "today": today,
        "shows_demo": demo_marks.includes_demo(rows),
    }
    return render(request, "public/institutions.html", context)


@cached_public_page(scopes=cache.institution_of_url, params=INSTITUTION_PAGE_PARAMS)
def institution_detail(request, slug):
    today = timezone.localdate()
    try:
        institution = selectors.institution_page(slug=slug, today=today)
    except Organisation.DoesNotExist:
        raise Http404 from None
    # Its figures are of every commitment; the lists show a page each.
    context = {
        "institution": institution,
        "led_page": _page_of(request, institution.led, INSTITUTION_PAGE_SIZE),
        "led_query": _query_without_page(request),
        "supported_page": _page_of(
            request, institution.supported, INSTITUTION_PAGE_SIZE, param="pagina-apoyo"
        ),
        "supported_query": _query_without_page(request, param="pagina-apoyo"),
        "organisation": institution.organisation,
        "card": cards.institution(institution, today=today),
        "shows_demo": demo_marks.includes_demo(institution.led, institution.supported),
    }
    return render(request, "public/institution.html", context)


@cached_public_page(scopes=cache.commitment_of_url, params=COMMITMENT_PAGE_PARAMS)
def commitment_detail(request, ogp_id):
    today = timezone.localdate()
    # Normalised for the cache (cache.page_number); a signed-in visitor's is read as sent.
    value = request.GET.get("pagina", "")
    number = int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else 1
    number = max(number, 1)

    def read(number):
        # The filed information requests ride on the milestones' query (the page's budget).
        first = (number - 1) * MILESTONE_PAGE_SIZE
        return selectors.commitment_detail(
            ogp_id=ogp_id,
            today=today,
            milestones_with=request_rules.with_filed,
            milestones=(first, first + MILESTONE_PAGE_SIZE),
        )

    try:
        commitment = read(number)
        last = max(1, -(-commitment.milestone_count // MILESTONE_PAGE_SIZE))
        if number > last:  # a page past the last shows the last, not stored
            cache.dont_store(request)
            number = last
            commitment = read(number)
    except Commitment.DoesNotExist:
        raise Http404 from None
    milestones = selectors.with_lateness(commitment.milestones_shown, today=today)
    for m in milestones:
        m.history_items = selectors.milestone_history(m)
        m.information_requests_shown = request_rules.public_entries(m, today=today)
    # The page's figures are of every milestone, not only of those on this page.
    progress = commitment.average_progress
    context = {
        "commitment": commitment,
        "state": commitment.action_plan.state,
        "milestones": milestones,
        "milestone_count": commitment.milestone_count,
        "page": Paginator(range(commitment.milestone_count), MILESTONE_PAGE_SIZE).page(number),
        "completed_count": commitment.completed_count,
        "average_progress": round(progress) if progress is not None else 0,
        "light": commitment.light,
        "reason": selectors.commitment_reason(commitment),
        "moves": commitment.moves,
        "today": today,
        "card": cards.commitment(commitment, today=today),
        "shows_demo": demo_marks.is_demo(commitment),
    }
    return render(request, "public/commitment.html", context)


def milestone_link(request, ogp_id, number):
    """A milestone's lasting address: to the page of its commitment's page that lists it,
    at its place (`#hito-N`). A commitment's milestones are paged and a page's milestones can
    change (one added or removed before it), so lists, calendars, open data and emails link
    here rather than to a page number that can go out of date."""
    rows = Milestone.objects.filter(commitment__ogp_id=ogp_id, number=number)
    milestone = get_object_or_404(
        selectors.with_commitment_page(rows)
        .select_related("commitment")
        .only("pk", "number", "commitment_id", "commitment__ogp_id")
    )
    return redirect(
        selectors.on_its_page(milestone, f"hito-{number}", selectors.commitment_page(milestone))
    )


@cached_public_page(scopes=cache.state_of_param, params=SEMAFORO_PARAMS)
def semaforo(request):
    """Every red milestone, grouped by state or by lead institution, a page at a time."""
    today = timezone.localdate()
    states = list(State.objects.active())
    state = _selected_state(request, states)
    by = "institucion" if request.GET.get("agrupar") == "institucion" else "estado"
    milestones, counts = selectors.red_milestones_grouped(state=state, by=by, today=today)
    page = _page_of(request, milestones, SEMAFORO_PAGE_SIZE)
    rows = selectors.with_lateness(list(page.object_list), today=today)
    groups = []
    for m in rows:
        c = m.commitment
        grouper = c.lead_institution if by == "institucion" else c.action_plan.state
        if not groups or groups[-1].grouper.pk != grouper.pk:
            total = counts.get(grouper.pk, 0)
            groups.append(SimpleNamespace(grouper=grouper, total=total, list=[]))
        groups[-1].list.append(m)
    late, late_total = selectors.late_completions(today=today, state=state)
    context = {
        "page": page,
        "query": _query_without_page(request),
        "groups": groups,
        "late": late,
        "late_total": late_total,
        "states": states,
        "selected_state": state,
        "group_by": by,
        "now": timezone.now(),
        "today": today,
        "shows_demo": demo_marks.includes_demo(getattr(milestones, "queryset", milestones), late),
    }
    return render(request, "public/semaforo.html", context)


def _page_of(request, items, size, *, param="pagina"):
    """The page `?<param>=` names of `items`; a page past the last shows the last, not
    stored."""
    page = Paginator(items, size).get_page(request.GET.get(param))
    if request.GET.get(param, str(page.number)) != str(page.number):
        cache.dont_store(request)
    return page


def _query_without_page(request, *, param="pagina"):
    query = request.GET.copy()
    query.pop(param, None)
    return query.urlencode()


def _deadline_watch(request, windows):
    """What both deadline pages read: today, the states, the one chosen, the window."""
    states = list(State.objects.active())
    value = request.GET.get("dias")
    days = int(value) if value in {str(d) for d in windows} else windows[0]
    return {
        "today": timezone.localdate(),
        "states": states,
        "selected_state": _selected_state(request, states),
        "days": days,
        "windows": windows,
    }


@cached_public_page(scopes=cache.state_of_param, params=RECENT_PARAMS)
def recently_overdue(request):
    """Deadline watch: what fell due lately and is not done, and apart what went quiet."""
    context = _deadline_watch(request, selectors.RECENT_WINDOWS)
    today = context["today"]
    overdue, stale = selectors.recently_overdue_querysets(
        today=today, days=context["days"], state=context["selected_state"]
    )
    page = _page_of(request, overdue, DEADLINE_PAGE_SIZE)
    context["page"] = page
    context["query"] = _query_without_page(request)
    context["overdue"] = selectors.with_lateness(list(page.object_list), today=today)
    # Those gone quiet: the first page's worth, and how many in all (all are on the
    # semáforo).
    context["stale"] = selectors.with_lateness(list(stale[:DEADLINE_PAGE_SIZE]), today=today)
    context["stale_total"] = (
        len(context["stale"]) if len(context["stale"]) < DEADLINE_PAGE_SIZE else stale.count()
    )
    context["now"] = timezone.now()
    context["shows_demo"] = demo_marks.includes_demo(context["overdue"], context["stale"])
    return render(request, "public/recently_overdue.html", context)


@cached_public_page(scopes=cache.state_of_param, params=UPCOMING_PARAMS)
def upcoming_due(request):
    """Deadline watch: what falls due next."""
    context = _deadline_watch(request, selectors.UPCOMING_WINDOWS)
    milestones = selectors.upcoming_due(
        today=context["today"], days=context["days"], state=context["selected_state"]
    )
    page = _page_of(request, milestones, DEADLINE_PAGE_SIZE)
    context["page"] = page
    context["query"] = _query_without_page(request)
    context["milestones"] = selectors.with_lateness(list(page.object_list), today=context["today"])
    context["shows_demo"] = demo_marks.includes_demo(context["milestones"])
    return render(request, "public/upcoming_due.html", context)


def _calendar_response(request, *, state):
    # Every dated milestone, not the newest N as the feeds: a subscribed calendar holds what
    # the file holds and drops an event the file leaves out, so a bounded calendar would
    # delete deadlines from subscribers' calendars; iCalendar has no pages. The file is
    # cached until a write in its scope (a state's calendar holds only that state's dates).
    milestones = selectors.dated_milestones(state=state)
    name = (
        _("Due dates of %(state)s · OGP Tracker") % {"state": state.name}
        if state
        else _("Due dates · OGP Tracker")
    )
    body = ical.calendar(
        milestones,
        base_url=request.build_absolute_uri("/").rstrip("/"),
        name=name,
        now=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    slug = state.slug if state else "mexico"
    response["Content-Disposition"] = f'inline; filename="vencimientos-{slug}.ics"'
    return response


@cached_public_page(scopes=cache.national)
def calendar(request):
    """Every due date of every active state, as a calendar to subscribe to."""
    return _calendar_response(request, state=None)


@cached_public_page(scopes=cache.state_of_url)
def state_calendar(request, slug):
    """A state's due dates, as a calendar to subscribe to."""
    return _calendar_response(request, state=_active_state(slug))


@cached_public_page(scopes=cache.national)
def methodology(request):
    states = State.objects.active().order_by("name")
    context = {"states": states, "changes": list(reversed(METHOD_CHANGES))}
    return render(request, "public/methodology.html", context)


# What each field of an audit's difference is, for the corrections page.
_AUDIT_FIELDS = {
    "signal": gettext_lazy("Light shown"),
    "light_reason": gettext_lazy("Reason"),
    "signal_since": gettext_lazy("Since"),
    "next_check_at": gettext_lazy("Next check"),
    "recorded_signal": gettext_lazy("Light in the history"),
}


def _audit_value(name, value):
    if value is None:
        return "—"
    if name in ("signal", "recorded_signal"):
        return Light(value).label if value in Light.values else value
    if name == "light_reason":
        return LightReason(value).label if value in LightReason.values else value
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        return str(value)
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


@cached_public_page(scopes=cache.national)
def corrections(request):
    """Every light the nightly audit found differing from the rules, and how it was put
    right (commitments.services.audit)."""
    runs = AuditRun.objects.filter(repaired__gt=0).order_by("-ran_at", "-id")[:50]
    labels = [d["label"] for run in runs for d in run.details]
    numbers = {}
    for label in labels:
        ogp_id, _sep, number = label.rpartition(".")
        numbers[label] = (ogp_id, number)
    published = set(
        Commitment.objects.filter(ogp_id__in=[o for o, _n in numbers.values()]).values_list(
            "ogp_id", flat=True
        )
    )
    corrected = [
        {
            "run": run,
            "rows": [
                {
                    "label": d["label"],
                    "ogp_id": numbers[d["label"]][0],
                    "number": numbers[d["label"]][1],
                    "linked": numbers[d["label"]][0] in published,
                    "changes": [
                        {
                            "field": _AUDIT_FIELDS.get(name, name),
                            "stored": _audit_value(name, stored),
                            "expected": _audit_value(name, expected),
                        }
                        for name, (stored, expected) in d["fields"].items()
                    ],
                }
                for d in run.details
            ],
        }
        for run in runs
    ]
    context = {
        "last": AuditRun.objects.order_by("-ran_at", "-id").first(),
        "corrected": corrected,
    }
    return render(request, "public/corrections.html", context)


@cached_public_page(scopes=cache.no_scope)
def design_system(request):
    return render(request, "public/design.html", {"groups": design.tokens()})


@cached_public_page(scopes=cache.state_of_url)
def state_report(request, slug):
    state = _active_state(slug)
    today = timezone.localdate()
    summary = selectors.state_summary(state=state, today=today)
    late_total = summary.late_completion_count
    late, _total = selectors.late_completions(today=today, state=state, total=late_total)
    # One page per state, whatever its size: the worst first, and how many more.
    milestones = selectors.red_milestones(today=today, state=state, limit=REPORT_LIMIT)
    institutions = selectors.institution_scorecard(today=today, state=state)
    rows = REPORT_PRINT_ROWS
    context = {
        "state": state,
        "summary": summary,
        "milestones": milestones,
        "institutions": institutions[:REPORT_LIMIT],
        "more_milestones": max(summary.red_count - REPORT_LIMIT, 0),
        "more_institutions": max(len(institutions) - REPORT_LIMIT, 0),
        "late": late,
        "late_total": late_total,
        "print_rows": rows,
        # What printing leaves out, counted, so the page says where the rest is.
        "print_more": {
            "red": max(summary.red_count - rows["red"], 0),
            "late": max(late_total - rows["late"], 0),
            "ranking": max(len(institutions) - rows["ranking"], 0),
        },
        "now": timezone.now(),
        "today": today,
        "shows_demo": demo_marks.includes_demo([summary]),
    }
    return render(request, "public/report.html", context)


# The rows of each list the printed report keeps, so that it prints on one page (Letter or
# A4) whatever the data; the screen shows them all, and the PDF (report_pdf) counts its own.
REPORT_PRINT_ROWS = {"red": 6, "late": 3, "ranking": 5}


REPORT_PDF_PARAMS = (("papel", cache.text),)
# The red milestones the PDF report reads: more than one page holds (it counts the rest).
REPORT_PDF_RED_LIMIT = 60


def report_data(request, state, *, today):
    """What the PDF report shows (public.report_pdf.Report), from the selectors."""
    summary = selectors.state_summary(state=state, today=today)
    plans = selectors.state_action_plans(state=state)
    timelines = selectors.plan_timelines(plans=plans, today=today)
    chart_png, chart_title = None, ""
    if timelines:  # the latest plan that has milestones
        chart_png = charts.to_png(_chart_svg(request, timelines[0], today=today))
        chart_title = timelines[0].plan.title
    return report_pdf.Report(
        state_name=state.name,
        light=summary.light,
        summary=summary,
        # Bounded whatever the state's size: more than a page holds, and the whole count.
        milestones=selectors.red_milestones(
            today=today, state=state, limit=REPORT_PDF_RED_LIMIT, worst_first=True
        ),
        red_total=summary.red_count,
        today=today,
        now=timezone.localtime(),
        report_url=request.build_absolute_uri(reverse("public:state_report", args=[state.slug])),
        state_url=request.build_absolute_uri(state.get_absolute_url()),
        data_url=request.build_absolute_uri(
            reverse("api:state-download", args=[state.slug, "hitos", "csv"])
        ),
        is_demo=Commitment.objects.filter(action_plan__state=state, is_demo=True).exists(),
        chart_png=chart_png,
        chart_title=chart_title,
    )


@cached_public_page(scopes=cache.state_of_url, params=REPORT_PDF_PARAMS)
def state_report_pdf(request, slug):
    """The report as a one-page PDF, on Letter (`?papel=carta`, the default) or A4."""
    state = _active_state(slug)
    paper = request.GET.get("papel") or report_pdf.DEFAULT_PAPER
    if paper not in report_pdf.PAPERS:
        cache.dont_store(request)
        message = _("Unknown paper %(paper)s: use papel=carta (Letter) or papel=a4.") % {
            "paper": paper[:40]
        }
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    body = report_pdf.render(report_data(request, state, today=timezone.localdate()), paper=paper)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="reporte-{state.slug}-{paper}.pdf"'
    return response


@cached_public_page(scopes=cache.state_of_url)
def press_kit(request, slug):
    """A state's press kit in one ZIP (public.press_kit): the PDF report, the CSVs, the
    charts and a README."""
    state = _active_state(slug)
    body = press_kit_files.build_zip(request, state, today=timezone.localdate())
    response = HttpResponse(body, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="kit-de-prensa-{state.slug}.zip"'
    return response


def download_evidence(request, pk):
    """Public: the stored file, never interpreted by the browser as a page.

    Retracted files stay stored (nothing is lost) but are no longer handed out: a retraction
    may be for personal data published by mistake.
    """
    evidence = get_object_or_404(
        Evidence.objects.exclude(file=""),
        pk=pk,
        milestone__commitment__action_plan__state__is_active=True,
    )
    if evidence.is_retracted:
        return HttpResponse(
            _("This evidence was retracted."), status=410, content_type="text/plain; charset=utf-8"
        )
    file_type = uploads.BY_CONTENT_TYPE.get(evidence.content_type)
    if file_type is None:
        # Files from before content detection are always downloaded, as opaque bytes.
        content_type, inline = "application/octet-stream", False
    else:
        content_type, inline = file_type.content_type, file_type.inline
    try:
        # Through the storage API, so it works the same from the disk or from a bucket.
        handle, size = files.open_stored(evidence.file.name, evidence.file.storage)
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=evidence.original_filename or f"evidencia-{evidence.pk}",
        content_type=content_type,
    )
    response["Content-Length"] = size
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response


# Archived copies of link evidence shown in the browser: a page, text or an image. A page is
# never run on this site's origin: the sandbox gives it an origin of its own, with no script,
# no form and nothing loaded from anywhere (its inline styles and data: images only).
ARCHIVE_INLINE = {"text/html", "text/plain", "image/png", "image/jpeg", "image/webp"}
ARCHIVE_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
ARCHIVE_EXTENSIONS = {
    "text/html": "html",
    "text/plain": "txt",
    "text/csv": "csv",
    "application/octet-stream": "bin",
}


def _declared_charset(declared):
    """The charset the site declared for a page it served, if it is one Python knows."""
    for part in declared.split(";")[1:]:
        name, _sep, value = part.strip().partition("=")
        if name.strip().lower() == "charset":
            value = value.strip().strip("\"'")
            try:
                return codecs.lookup(value).name
            except LookupError:
                return None
    return None


def download_link_copy(request, pk):
    """Public: the archived copy of a link given as evidence, as it was fetched.

    Served like an evidence file: its type recognised from its content, nosniff, and a
    sandbox; a page, text or an image is shown, anything else downloaded. A retracted link's
    copy is no longer handed out.
    """
    evidence = get_object_or_404(
        Evidence.objects.exclude(url="").filter(archive__isnull=False).select_related("archive"),
        pk=pk,
        milestone__commitment__action_plan__state__is_active=True,
    )
    if evidence.is_retracted:
        return HttpResponse(
            _("This evidence was retracted."), status=410, content_type="text/plain; charset=utf-8"
        )
    copy = evidence.archive
    content_type = copy.content_type or "application/octet-stream"
    file_type = uploads.BY_CONTENT_TYPE.get(content_type)
    extension = ARCHIVE_EXTENSIONS.get(content_type)
    if extension is None:
        extension = file_type.label.lower() if file_type else "bin"
        content_type = content_type if file_type else "application/octet-stream"
    inline = content_type in ARCHIVE_INLINE
    if content_type.startswith("text/"):
        charset = _declared_charset(copy.declared_type)
        if charset is None and content_type != "text/html":
            charset = "utf-8"
        if charset:
            content_type = f"{content_type}; charset={charset}"
    try:
        handle, size = files.open_stored(copy.file.name, copy.file.storage)
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=f"copia-evidencia-{evidence.pk}-{copy.checked_at:%Y-%m-%d}.{extension}",
        content_type=content_type,
    )
    response["Content-Length"] = size
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ARCHIVE_CSP
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, no-cache"
    return response
