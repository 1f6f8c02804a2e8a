"""Open-data downloads: CSV and JSON of commitments and milestones, national or per state,
streamed row by row so memory stays flat whatever the row count. One CSV follows OGP's own
commitment data columns so it drops into OGP's sheets."""

import csv
import json

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext_lazy as _

from commitments.importer import OGP_VALUES as OGP_VALUE_COLUMNS
from commitments.models import OGP_VALUE_FIELDS, Commitment, Milestone

CHUNK = 2000

COMMITMENT_COLUMNS = [
    "ogp_id", "state", "inegi_code", "action_plan_number", "action_plan_title", "number",
    "title", "short_title", "lead_institution", "supporting_institutions", "theme",
    *OGP_VALUE_FIELDS, "starts_on", "ends_on", "milestones", "milestones_completed",
    "milestones_red", "average_progress", "irm_potential_impact", "irm_potential_for_results",
    "irm_completion", "irm_did_it_open_government", "is_illustrative", "url",
]  # fmt: skip
MILESTONE_COLUMNS = [
    "id", "ogp_id", "state", "number", "title", "deliverable", "starts_on", "due_on",
    "original_due_on", "status", "progress", "completed_on", "last_activity_at", "signal",
    "signal_since", "evidence_count", "url",
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
        qs.select_related("action_plan__state", "lead_institution")
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
    for c in batch:
        c.supporter_names = names.get(c.pk, [])
        yield c


def commitment_rows(*, base_url, state=None):
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
        }


def ogp_rows(*, base_url, state=None):
    """Rows in OGP's commitment data layout (values in OGP's English spelling)."""
    for c in _chunked_with_supporters(_commitments(state)):
        plan, st = c.action_plan, c.action_plan.state
        potential = c.irm_potential_impact or c.irm_potential_for_results
        yield {
            "Commitment Unique Identifier": c.ogp_id,
            "Country/Locality": f"{st.name}, Mexico",
            "Region": "Americas",
            "Theme": c.theme,
            "Year Of Submission": plan.starts_on.year,
            "Action Plan Number": plan.number,
            "Commitment Number": c.number,
            "Commitment Title": c.title,
            "Short Title": c.short_title,
            "Full Text": "\n\n".join(p for p in (c.problem, c.objective, c.description) if p),
            "Lead Institution": c.lead_institution.name,
            "Supporting Institution(s)": "; ".join(c.supporter_names),
            "URL": base_url + c.get_absolute_url(),
            **{
                column: "Yes" if getattr(c, name) else "No"
                for column, name in OGP_VALUE_COLUMNS.items()
            },
            "Specificity": "",
            "Potential Impact": IRM_LABELS.get(potential, ""),
            "Completion": IRM_LABELS.get(c.irm_completion, ""),
            "Did It Open Government": IRM_LABELS.get(c.irm_did_it_open_government, ""),
        }


def milestone_rows(*, base_url, state=None):
    qs = Milestone.objects.filter(commitment__action_plan__state__is_active=True)
    if state is not None:
        qs = qs.filter(commitment__action_plan__state=state)
    qs = (
        qs.annotate(evidence_count=Count("evidence", filter=Q(evidence__retracted_at=None)))
        .values_list(
            "id", "commitment__ogp_id", "commitment__action_plan__state__name", "number",
            "title", "deliverable", "starts_on", "due_on", "original_due_on", "status",
            "progress", "completed_on", "last_activity_at", "signal", "signal_since",
            "evidence_count",
        )
        .order_by("commitment__action_plan__state__inegi_code", "commitment__ogp_id", "number")
    )  # fmt: skip
    for row in qs.iterator(chunk_size=CHUNK):
        values = [v.isoformat() if hasattr(v, "isoformat") else v for v in row]
        values.append(f"{base_url}/compromisos/{row[1]}/#hito-{row[3]}")
        yield dict(zip(MILESTONE_COLUMNS, values, strict=True))


class _Echo:
    def write(self, value):
        return value


def stream_csv(rows, columns):
    # The BOM makes spreadsheet programs read the file as UTF-8 (accents intact).
    yield "\ufeff"
    writer = csv.DictWriter(_Echo(), fieldnames=columns, lineterminator="\r\n")
    yield writer.writeheader()
    for row in rows:
        yield writer.writerow(row)


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
    "lead_institution": _("Institution responsible for the commitment."),
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
    "last_activity_at": _("Last status update or evidence (ISO 8601 date and time)."),
    "signal": _("Traffic light: green (on track), yellow (at risk), red (overdue or stale)."),
    "signal_since": _("When the current traffic light began (ISO 8601)."),
    "evidence_count": _("Evidence items not retracted."),
}
