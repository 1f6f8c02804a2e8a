"""Open-data downloads: CSV and JSON of commitments, milestones, the moves of their due dates
and their disputes, national or per state, streamed row by row so memory stays flat whatever
the row count. One CSV follows OGP's own commitment data columns so it drops into OGP's
sheets. Organisations are named, people never. Text cells a spreadsheet would run as a
formula are protected (commitments.csv_cells) in every CSV."""

import csv
import json

from django.db.models import Avg, Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from commitments import demo_marks, rules
from commitments.csv_cells import cell
from commitments.importer import OGP_VALUES as OGP_VALUE_COLUMNS
from commitments.models import (
    OGP_VALUE_FIELDS,
    Commitment,
    Dispute,
    DisputeMessage,
    Milestone,
    RankingSnapshot,
    Reschedule,
)

CHUNK = 2000

COMMITMENT_COLUMNS = [
    "ogp_id", "state", "inegi_code", "action_plan_number", "action_plan_title", "number",
    "title", "short_title", "lead_institution", "supporting_institutions", "theme",
    *OGP_VALUE_FIELDS, "starts_on", "ends_on", "milestones", "milestones_completed",
    "milestones_red", "average_progress", "irm_potential_impact", "irm_potential_for_results",
    "irm_completion", "irm_did_it_open_government", "is_illustrative", "url",
    "lead_institutions", "member", "member_kind", "member_inegi_code", "source_url", "is_demo",
]  # fmt: skip
# New columns go at the end, so that readers who take columns by position keep working.
MILESTONE_COLUMNS = [
    "id", "ogp_id", "state", "number", "title", "deliverable", "starts_on", "due_on",
    "original_due_on", "status", "progress", "completed_on", "last_activity_at", "signal",
    "signal_since", "evidence_count", "url", "due_precision", "light_reason",
    "verification_status", "days_late", "days_late_original", "reschedules", "days_moved",
    "is_demo",
]  # fmt: skip
RESCHEDULE_COLUMNS = [
    "ogp_id", "state", "milestone_id", "milestone_number", "reschedule_number", "old_due_on",
    "old_precision", "new_due_on", "new_precision", "days_moved", "after_due", "organisation",
    "moved_at", "note", "url", "is_demo",
]  # fmt: skip
DISPUTE_COLUMNS = [
    "ogp_id", "state", "milestone_id", "milestone_number", "dispute_id", "dispute_state",
    "disputed_by", "opened_at", "answered_at", "closed_at", "message_number", "message_kind",
    "message_organisation", "message_at", "message_text", "url", "is_demo",
]  # fmt: skip
RANKING_COLUMNS = [
    "date", "kind", "object_id", "slug", "name", "state", "state_slug", "rank", "light",
    "milestones", "red", "yellow", "green", "overdue", "completed", "share_red",
    "share_overdue", "share_completed", "taken_at",
]  # fmt: skip
OGP_COLUMNS = [
    "Commitment Unique Identifier", "Country/Locality", "Region", "Theme", "Year Of Submission",
    "Action Plan Number", "Commitment Number", "Commitment Title", "Short Title", "Full Text",
    "Lead Institution", "Supporting Institution(s)", "URL", "OGP Value Access To Information",
    "OGP Value Civic Participation", "OGP Value Public Accountability", "OGP Value Technology",
    "Specificity", "Potential Impact", "Completion", "Did It Open Government",
]  # fmt: skip
IRM_LABELS = {
    # OGP's sheets spell the IRM scales in English, capitalised.
    "none": "None", "minor": "Minor", "moderate": "Moderate", "transformative": "Transformative",
    "unclear": "Unclear", "modest": "Modest", "substantial": "Substantial",
    "no_evidence": "No Evidence Available", "not_started": "Not Started", "limited": "Limited",
    "complete": "Complete", "worsened": "Worsened", "no_change": "Did Not Change",
    "marginal": "Marginal", "major": "Major", "outstanding": "Outstanding",
}  # fmt: skip


def _commitments(state=None):
    qs = Commitment.objects.filter(action_plan__state__is_active=True)
    if state is not None:
        qs = qs.filter(action_plan__state=state)
    return (
        qs.select_related("action_plan__state", "lead_institution", "municipality")
        .annotate(
            n_milestones=Count("milestones"),
            n_completed=Count("milestones", filter=Q(milestones__status="completed")),
            n_red=Count("milestones", filter=Q(milestones__signal="red")),
            avg_progress=Avg("milestones__progress"),
        )
        .order_by("action_plan__state__inegi_code", "action_plan__number", "number", "pk")
    )


def _chunked_with_supporters(queryset):
    """Commitments in chunks, each chunk with its supporting institutions in one query."""
    through = Commitment.supporting_institutions.through
    batch = []
    for commitment in queryset.iterator(chunk_size=CHUNK):
        batch.append(commitment)
        if len(batch) == CHUNK:
            yield from _attach(batch, through)
            batch = []
    if batch:
        yield from _attach(batch, through)


def _attach(batch, through):
    names = {}
    rows = through.objects.filter(commitment_id__in=[c.pk for c in batch]).values_list(
        "commitment_id", "organisation__name"
    )
    for commitment_id, name in rows.order_by("organisation__name"):
        names.setdefault(commitment_id, []).append(name)
    co_leads = {}
    rows = Commitment.co_lead_institutions.through.objects.filter(
        commitment_id__in=[c.pk for c in batch]
    ).values_list("commitment_id", "organisation__name")
    for commitment_id, name in rows.order_by("organisation__name"):
        co_leads.setdefault(commitment_id, []).append(name)
    for c in batch:
        c.supporter_names = names.get(c.pk, [])
        # Every lead, the first one first (Commitment.lead_institutions).
        c.lead_names = [c.lead_institution.name, *co_leads.get(c.pk, [])]
        yield c


def commitment_rows(*, base_url, today=None, state=None):
    for c in _chunked_with_supporters(_commitments(state)):
        plan, st = c.action_plan, c.action_plan.state
        yield {
            "ogp_id": c.ogp_id,
            "state": st.name,
            "inegi_code": st.inegi_code,
            "action_plan_number": plan.number,
            "action_plan_title": plan.title,
            "number": c.number,
            "title": c.title,
            "short_title": c.short_title,
            "lead_institution": c.lead_institution.name,
            "supporting_institutions": "; ".join(c.supporter_names),
            "theme": c.theme,
            **{name: getattr(c, name) for name in OGP_VALUE_FIELDS},
            "starts_on": c.starts_on.isoformat(),
            "ends_on": c.ends_on.isoformat(),
            "milestones": c.n_milestones,
            "milestones_completed": c.n_completed,
            "milestones_red": c.n_red,
            "average_progress": round(c.avg_progress, 1) if c.avg_progress is not None else None,
            "irm_potential_impact": c.irm_potential_impact,
            "irm_potential_for_results": c.irm_potential_for_results,
            "irm_completion": c.irm_completion,
            "irm_did_it_open_government": c.irm_did_it_open_government,
            "is_illustrative": c.is_illustrative,
            "url": base_url + c.get_absolute_url(),
            "lead_institutions": "; ".join(c.lead_names),
            "member": c.member.name,
            "member_kind": c.member.kind,
            "member_inegi_code": c.member.inegi_code,
            "source_url": c.source_url,
            "is_demo": demo_marks.is_demo(c),
        }


def ogp_rows(*, base_url, today=None, state=None):
    """Rows in OGP's commitment data layout (values in OGP's English spelling)."""
    for c in _chunked_with_supporters(_commitments(state)):
        plan = c.action_plan
        potential = c.irm_potential_impact or c.irm_potential_for_results
        yield {
            "Commitment Unique Identifier": c.ogp_id,
            # The OGP member, as OGP names it: a municipality of its own, or the state.
            "Country/Locality": f"{c.member.name}, Mexico",
            "Region": "Americas",
            "Theme": c.theme,
            "Year Of Submission": plan.starts_on.year,
            "Action Plan Number": plan.number,
            "Commitment Number": c.number,
            "Commitment Title": c.title,
            "Short Title": c.short_title,
            "Full Text": c.full_text,
            "Lead Institution": "; ".join(c.lead_names),
            "Supporting Institution(s)": "; ".join(c.supporter_names),
            # OGP's own sheets link each commitment's page on OGP's site: its source, when
            # known; else the tracker's page (which the importer knows is not a source).
            "URL": c.source_url or base_url + c.get_absolute_url(),
            **{
                column: "Yes" if getattr(c, name) else "No"
                for column, name in OGP_VALUE_COLUMNS.items()
            },
            "Specificity": "",
            "Potential Impact": IRM_LABELS.get(potential, ""),
            "Completion": IRM_LABELS.get(c.irm_completion, ""),
            "Did It Open Government": IRM_LABELS.get(c.irm_did_it_open_government, ""),
        }


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _milestone_url(base_url, ogp_id, number):
    # The milestone's lasting address (public:milestone), which finds the page that lists it.
    return f"{base_url}/compromisos/{ogp_id}/hitos/{number}/"


def milestone_rows(*, base_url, today, state=None):
    qs = Milestone.objects.filter(commitment__action_plan__state__is_active=True)
    if state is not None:
        qs = qs.filter(commitment__action_plan__state=state)
    moves = (
        Reschedule.objects.filter(milestone=OuterRef("pk"))
        .order_by()
        .values("milestone")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        qs.annotate(
            evidence_count=Count("evidence", filter=Q(evidence__retracted_at=None)),
            reschedule_count=Coalesce(Subquery(moves, output_field=IntegerField()), 0),
        )
        .values_list(
            "id", "commitment__ogp_id", "commitment__action_plan__state__name", "number",
            "title", "deliverable", "starts_on", "due_on", "original_due_on", "status",
            "progress", "completed_on", "last_activity_at", "signal", "signal_since",
            "evidence_count", "due_precision", "light_reason", "verification_status",
            "reschedule_count", "commitment__is_demo", "commitment__is_illustrative",
        )
        .order_by("commitment__action_plan__state__inegi_code", "commitment__ogp_id", "number")
    )  # fmt: skip
    for row in qs.iterator(chunk_size=CHUNK):
        (
            pk, ogp_id, state_name, number, title, deliverable, starts_on, due_on,
            original_due_on, status, progress, completed_on, last_activity_at, signal,
            signal_since, evidence_count, due_precision, light_reason, verification_status,
            reschedule_count, commitment_is_demo, commitment_is_illustrative,
        ) = row  # fmt: skip
        first_due_on = original_due_on or due_on
        common = {
            "status": status, "due_on": due_on, "completed_on": completed_on,
            "signal": signal, "today": today,
        }  # fmt: skip
        values = [
            pk, ogp_id, state_name, number, title, deliverable, starts_on, due_on,
            original_due_on, status, progress, completed_on, last_activity_at, signal,
            signal_since, evidence_count, _milestone_url(base_url, ogp_id, number),
            due_precision, light_reason, verification_status, rules.days_late(**common),
            rules.days_late_original(first_due_on=first_due_on, **common), reschedule_count,
            rules.days_moved(due_on=due_on, first_due_on=first_due_on),
            # commitments.demo_marks.is_demo, on the values read
            commitment_is_demo or commitment_is_illustrative,
        ]  # fmt: skip
        yield dict(zip(MILESTONE_COLUMNS, map(_iso, values), strict=True))


def _in_state(qs, state, prefix):
    qs = qs.filter(**{f"{prefix}commitment__action_plan__state__is_active": True})
    if state is not None:
        qs = qs.filter(**{f"{prefix}commitment__action_plan__state": state})
    return qs


def reschedule_rows(*, base_url, today=None, state=None):
    """One row per move of a milestone's due date, in the order they were made."""
    qs = (
        _in_state(Reschedule.objects.all(), state, "milestone__")
        .values_list(
            "milestone__commitment__ogp_id", "milestone__commitment__action_plan__state__name",
            "milestone_id", "milestone__number", "old_due_on", "old_precision", "new_due_on",
            "new_precision", "after_due", "organisation__name", "created_at", "note",
            "milestone__commitment__is_demo", "milestone__commitment__is_illustrative",
        )
        .order_by(
            "milestone__commitment__action_plan__state__inegi_code",
            "milestone__commitment__ogp_id", "milestone__number", "created_at", "id",
        )
    )  # fmt: skip
    milestone, nth = None, 0
    for row in qs.iterator(chunk_size=CHUNK):
        (
            ogp_id, state_name, milestone_id, number, old_due_on, old_precision, new_due_on,
            new_precision, after_due, organisation, created_at, note, is_demo, illustrative,
        ) = row  # fmt: skip
        nth = nth + 1 if milestone_id == milestone else 1
        milestone = milestone_id
        values = [
            ogp_id, state_name, milestone_id, number, nth, old_due_on, old_precision,
            new_due_on, new_precision, rules.days_moved(due_on=new_due_on, first_due_on=old_due_on),
            after_due, organisation or "", created_at, note,
            _milestone_url(base_url, ogp_id, number), is_demo or illustrative,
        ]  # fmt: skip
        yield dict(zip(RESCHEDULE_COLUMNS, map(_iso, values), strict=True))


def dispute_rows(*, base_url, today=None, state=None):
    """One row per step of each dispute's thread (the reason, the government's answer, the
    rejoinder...), with the dispute's own columns repeated on each."""
    prefix = "dispute__milestone__"
    qs = (
        _in_state(DisputeMessage.objects.all(), state, prefix)
        .values_list(
            f"{prefix}commitment__ogp_id", f"{prefix}commitment__action_plan__state__name",
            "dispute__milestone_id", f"{prefix}number", "dispute_id", "dispute__state",
            "dispute__organisation__name", "dispute__opened_at", "dispute__answered_at",
            "dispute__closed_at", "kind", "organisation__name", "created_at", "text",
            f"{prefix}commitment__is_demo", f"{prefix}commitment__is_illustrative",
        )
        .order_by(
            f"{prefix}commitment__action_plan__state__inegi_code",
            f"{prefix}commitment__ogp_id", f"{prefix}number", "dispute__opened_at",
            "dispute_id", "created_at", "id",
        )
    )  # fmt: skip
    dispute, nth = None, 0
    for row in qs.iterator(chunk_size=CHUNK):
        ogp_id, number, dispute_id = row[0], row[3], row[4]
        nth = nth + 1 if dispute_id == dispute else 1
        dispute = dispute_id
        values = [
            *row[:10], nth, row[10], row[11] or "", row[12], row[13],
            _milestone_url(base_url, ogp_id, number), row[14] or row[15],
        ]  # fmt: skip
        yield dict(zip(DISPUTE_COLUMNS, map(_iso, values), strict=True))


def ranking_rows(*, base_url, today=None, state=None):
    """Every day's figures of every state and institution (models.RankingSnapshot), oldest
    first; a state's file holds the state and the institutions of that state."""
    qs = RankingSnapshot.objects.all()
    if state is not None:
        qs = qs.filter(state_slug=state.slug)
    qs = qs.order_by("date", "kind", "rank", "object_id").values_list(
        "date", "kind", "object_id", "slug", "name", "state_name", "state_slug", "rank",
        "light", "milestones", "red", "yellow", "green", "overdue", "completed", "share_red",
        "share_overdue", "share_completed", "taken_at",
    )  # fmt: skip
    for row in qs.iterator(chunk_size=CHUNK):
        yield dict(zip(RANKING_COLUMNS, map(_iso, row), strict=True))


class _Echo:
    def write(self, value):
        return value


def stream_csv(rows, columns):
    # The BOM makes spreadsheet programs read the file as UTF-8 (accents intact).
    yield "\ufeff"
    writer = csv.DictWriter(_Echo(), fieldnames=columns, lineterminator="\r\n")
    yield writer.writeheader()
    for row in rows:
        # Never a formula in a spreadsheet: see commitments.csv_cells (the importer undoes it).
        yield writer.writerow({name: cell(value) for name, value in row.items()})


def stream_json(rows):
    yield "["
    first = True
    for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "\n]\n"


# The data dictionary shown on /datos/ (in the reader's language).
DESCRIPTIONS = {
    "ogp_id": _("OGP identifier of the commitment, e.g. MXNLE0001."),
    "state": _("State name."),
    "inegi_code": _("Two-digit INEGI state code."),
    "action_plan_number": _("Number of the action plan in the state (1 for the first)."),
    "action_plan_title": _("Title of the action plan."),
    "number": _("Number of the commitment in its plan, or of the milestone in its commitment."),
    "title": _("Title."),
    "short_title": _("Short title."),
    "lead_institution": _("Institution responsible for the commitment (the first, if several)."),
    "lead_institutions": _("Every lead institution, the first one first, separated by semicolons."),
    "member": _("The OGP member the commitment belongs to: its state or a municipality."),
    "member_kind": _("Kind of OGP member: state or municipality."),
    "member_inegi_code": _("INEGI code of the member: 2 digits for a state, 5 for a municipality."),
    "source_url": _("Where the commitment is published (OGP's commitment page)."),
    "supporting_institutions": _(
        "Supporting institutions (government and civil society), separated by semicolons."
    ),  # noqa: E501
    "theme": _("Theme or policy area."),
    "access_to_information": _("Relevant to the OGP value of access to information (true/false)."),  # noqa: E501
    "civic_participation": _("Relevant to the OGP value of civic participation (true/false)."),
    "public_accountability": _("Relevant to the OGP value of public accountability (true/false)."),  # noqa: E501
    "technology_and_innovation": _(
        "Relevant to the OGP value of technology and innovation (true/false)."
    ),  # noqa: E501
    "starts_on": _("Start date (YYYY-MM-DD)."),
    "ends_on": _("End date (YYYY-MM-DD)."),
    "milestones": _("Number of milestones."),
    "milestones_completed": _("Milestones reported completed."),
    "milestones_red": _("Milestones whose traffic light is red (overdue or stale)."),
    "average_progress": _("Average reported progress of the milestones, 0 to 100."),
    "irm_potential_impact": _(
        "IRM potential impact: none, minor, moderate, transformative (plans before 2020)."
    ),  # noqa: E501
    "irm_potential_for_results": _(
        "IRM potential for results: unclear, modest, substantial (2020 onward)."
    ),  # noqa: E501
    "irm_completion": _(
        "IRM completion: no_evidence, not_started, limited, substantial, complete."
    ),  # noqa: E501
    "irm_did_it_open_government": _(
        "IRM: did it open government? worsened, no_change, marginal, major, outstanding."
    ),  # noqa: E501
    "is_illustrative": _("true for invented example commitments shown in demonstrations."),
    "is_demo": _(
        "true when the row is demo data (loaded by the demonstration, or an invented "
        "example): its milestones, progress and evidence are invented; never quote it as real."
    ),
    "url": _("Address of the public page."),
    "id": _("Identifier of the milestone in this tracker."),
    "deliverable": _("Deliverable of the milestone."),
    "due_on": _("Current due date (YYYY-MM-DD)."),
    "original_due_on": _(
        "Due date as first published, when the plan was revised; empty otherwise."
    ),  # noqa: E501
    "status": _("Status reported by the government: not_started, in_progress, completed."),
    "progress": _("Progress reported by the government, 0 to 100."),
    "completed_on": _("Completion date, for completed milestones."),
    "last_activity_at": _(
        "Last activity by the government: a status report that changed something, or "
        "evidence it added (ISO 8601 date and time)."
    ),
    "signal": _("Traffic light: green (on track), yellow (at risk), red (overdue or stale)."),
    "signal_since": _("When the current traffic light began (ISO 8601)."),
    "evidence_count": _("Evidence items not retracted."),
    "due_precision": _(
        "day, or month when the plan gives only the month: due_on is then that month's last "
        "day, when it falls due."
    ),
    "light_reason": _(
        "Why the milestone has its light: overdue or stale (red); undated, due_soon or quiet "
        "(yellow); completed_late, completed or on_track (green). Explained on "
        "/como-medimos/."
    ),
    "verification_status": _(
        "Civil society's verification of the reported status: unverified, verified, or "
        "disputed while a dispute is in progress (see the disputes download)."
    ),
    "days_late": _(
        "Days late against the due date in force: for a completed milestone, from that date "
        "to its completion; for an open one, days since it fell due while it is shown "
        "overdue. Empty when not late."
    ),
    "days_late_original": _(
        "The same against the due date as first published: moving the date does not erase "
        "it. Empty when not late against it."
    ),
    "reschedules": _("How many times the due date was moved (see the reschedules download)."),
    "days_moved": _(
        "Days between the first published due date and the one in force (negative: earlier); "
        "0 when it never moved, empty when either is missing."
    ),
}
# Columns of the reschedules and disputes downloads; the others are described above.
RESCHEDULE_DESCRIPTIONS = {
    "milestone_id": _("Identifier of the milestone in this tracker (id in the milestones)."),
    "milestone_number": _("Number of the milestone in its commitment."),
    "reschedule_number": _("1 for the milestone's first move of its due date, 2 for the next..."),
    "old_due_on": _("Due date before the move (YYYY-MM-DD); empty if it had none."),
    "old_precision": _("Precision of the previous date: day or month."),
    "new_due_on": _("Due date after the move (YYYY-MM-DD); empty if it has none."),
    "new_precision": _("Precision of the new date: day or month."),
    "days_moved": _("Days the move added (negative: brought forward)."),
    "after_due": _("true when the date was moved after it had passed (moved after falling due)."),
    "organisation": _(
        "Organisation that moved it; empty for a revision of the imported action plan."
    ),
    "moved_at": _("When it was moved (ISO 8601)."),
    "note": _("Note recorded with the move."),
}
DISPUTE_DESCRIPTIONS = {
    "milestone_id": RESCHEDULE_DESCRIPTIONS["milestone_id"],
    "milestone_number": RESCHEDULE_DESCRIPTIONS["milestone_number"],
    "dispute_id": _("Identifier of the dispute: the rows of one dispute share it."),
    "dispute_state": _(
        "open (awaiting the government's answer), answered, withdrawn (the organisation is "
        "satisfied), maintained (it is not), or superseded (closed by a new status report)."
    ),
    "disputed_by": _("Civil-society organisation that disputed the reported status."),
    "opened_at": _("When the dispute was opened (ISO 8601)."),
    "answered_at": _("When the government first answered (ISO 8601); empty until then."),
    "closed_at": _("When the dispute was closed (ISO 8601); empty while it is open."),
    "message_number": _("Order of the message in the dispute's thread, from 1."),
    "message_kind": _(
        "reason (why it was disputed), answer (the government's), withdrawal, rejoinder "
        "(the dispute maintained), or superseded (closed by a new status report)."
    ),
    "message_organisation": _("Organisation that wrote the message."),
    "message_at": _("When the message was written (ISO 8601)."),
    "message_text": _("Text of the message."),
}

RANKING_DESCRIPTIONS = {
    "date": _("The day of the figures (YYYY-MM-DD, Mexico City): one row per object a day."),
    "kind": _("state or institution (a lead institution, counted in every state)."),
    "object_id": _(
        "Identifier of the state or institution in this tracker: the same object every day."
    ),
    "slug": _(
        "The state's or institution's name in its address (/estados/<slug>/ or "
        "/instituciones/<slug>/), as it was that day."
    ),
    "name": _("Its name as it was that day."),
    "state": _("State name: the state itself, or the institution's state."),
    "state_slug": _("The state's name in its address (/estados/<slug>/)."),
    "rank": _(
        "Place in that day's ranking of its kind, 1 the most behind (the order of "
        "/instituciones/, explained there)."
    ),
    "light": _("Its traffic light that day: red, yellow or green."),
    "milestones": _("Milestones of the commitments it leads (a state: all of its own)."),
    "red": _("Of them, red (overdue or stale)."),
    "yellow": _("Of them, yellow (at risk)."),
    "green": _("Of them, green (on track)."),
    "overdue": _("Of them, overdue: past their due date, unfinished."),
    "completed": _("Of them, reported completed."),
    "share_red": _("red / milestones, 0 to 1 (0 when it has no milestones)."),
    "share_overdue": _("overdue / milestones, 0 to 1."),
    "share_completed": _("completed / milestones, 0 to 1."),
    "taken_at": _("When the figures were taken (ISO 8601)."),
}


# The type of each column as its CSV cells are written, for the data package's table schemas
# (api/datapackage.py); a column not named here is text. Codes are text, leading zeros kept.
TYPES = {
    **dict.fromkeys(
        [
            "action_plan_number", "number", "milestones", "milestones_completed",
            "milestones_red", "id", "progress", "evidence_count", "days_late",
            "days_late_original", "reschedules", "days_moved", "milestone_id",
            "milestone_number", "reschedule_number", "dispute_id", "message_number",
            "Year Of Submission", "Action Plan Number", "Commitment Number", "object_id",
            "rank", "red", "yellow", "green", "overdue", "completed",
        ],
        "integer",
    ),
    **dict.fromkeys(
        ["average_progress", "share_red", "share_overdue", "share_completed"], "number"
    ),
    **dict.fromkeys([*OGP_VALUE_FIELDS, "is_illustrative", "after_due", "is_demo"], "boolean"),
    **dict.fromkeys(
        ["starts_on", "ends_on", "due_on", "original_due_on", "completed_on", "old_due_on",
         "new_due_on", "date"],
        "date",
    ),
    **dict.fromkeys(
        ["last_activity_at", "signal_since", "moved_at", "opened_at", "answered_at",
         "closed_at", "message_at", "taken_at"],
        "datetime",
    ),
}  # fmt: skip
# Columns whose values are codes of a model's choices: the table schemas list them.
CODES = {
    "status": (Milestone, "status"),
    "signal": (Milestone, "signal"),
    "light_reason": (Milestone, "light_reason"),
    "verification_status": (Milestone, "verification_status"),
    "due_precision": (Milestone, "due_precision"),
    "old_precision": (Reschedule, "old_precision"),
    "new_precision": (Reschedule, "new_precision"),
    "dispute_state": (Dispute, "state"),
    "message_kind": (DisputeMessage, "kind"),
    "irm_potential_impact": (Commitment, "irm_potential_impact"),
    "irm_potential_for_results": (Commitment, "irm_potential_for_results"),
    "irm_completion": (Commitment, "irm_completion"),
    "irm_did_it_open_government": (Commitment, "irm_did_it_open_government"),
    "kind": (RankingSnapshot, "kind"),
    "light": (RankingSnapshot, "light"),
}
URL_COLUMNS = {"url", "URL"}
# Text columns of a fixed form: an entity's 2 digits, a municipality's 5.
PATTERNS = {"inegi_code": "[0-9]{2}([0-9]{3})?"}


def dictionary(columns, own=None):
    """(column, description) for the data dictionary on /datos/."""
    own = own or {}
    return [(c, own.get(c) or DESCRIPTIONS[c]) for c in columns]
