"""An action plan as the importer's own file: every field the importer reads, so that
importing it back changes nothing and importing it into an empty database makes the same plan.

`manage.py export_plan --state SLUG --plan N FILE` writes it, and /datos/<slug>/planes/<n>.csv
serves it. One row per milestone (a commitment without milestones has one row of its own),
in the columns of `importer.OURS`, `importer.EXTRA` and `importer.ROUND_TRIP`, with:

- institutions as "Name (ACRONYM)", which the importer matches by either half and, with
  --create-institutions, creates with both; `institution_kinds` gives each one's kind;
- the member by name (and a municipality's INEGI code, so it can be created);
- a date known only to the month as YYYY-MM, the first due date of a moved milestone in
  `milestone_original_due_on`;
- every text cell protected against spreadsheet formulas (csv_cells), which the importer
  reads back as written.

Statuses, evidence, verifications and history are the record of the work, not the plan, and
are not in the file: they stay in the database (and its backups).
"""

import csv

from django.db.models import Prefetch

from .csv_cells import cell
from .importer import EXTRA, OURS, ROUND_TRIP
from .models import OGP_VALUE_FIELDS, ActionPlan, Commitment, Milestone

COLUMNS = [*OURS, *EXTRA, *ROUND_TRIP]


def institution_name(org):
    return f"{org.name} ({org.acronym})" if org.acronym else org.name


def _date(value, precision="day"):
    if value is None:
        return ""
    return f"{value:%Y-%m}" if precision == "month" else value.isoformat()


def _yes(value):
    return "yes" if value else "no"


def plan_for(state, number):
    return ActionPlan.objects.select_related("state").get(state=state, number=number)


def rows(plan):
    """The file's rows, as dicts of COLUMNS, in the order of commitments and milestones."""
    commitments = (
        Commitment.objects.filter(action_plan=plan)
        .select_related("lead_institution", "municipality")
        .prefetch_related(
            "co_lead_institutions",
            "supporting_institutions",
            Prefetch("milestones", queryset=Milestone.objects.order_by("number")),
        )
        .order_by("number", "ogp_id")
    )
    plan_cells = {
        "plan_number": plan.number,
        "plan_title": plan.title,
        "plan_starts_on": _date(plan.starts_on),
        "plan_ends_on": _date(plan.ends_on),
        "plan_status": plan.status,
        "plan_source_url": plan.source_url,
    }
    for c in commitments:
        leads = [c.lead_institution, *sorted(c.co_lead_institutions.all(), key=lambda o: o.pk)]
        supporting = sorted(c.supporting_institutions.all(), key=lambda o: o.pk)
        named = dict.fromkeys([*leads, *supporting])
        member = c.municipality
        commitment_cells = {
            **plan_cells,
            "ogp_id": c.ogp_id,
            "commitment_number": c.number,
            "commitment_title": c.title,
            "short_title": c.short_title,
            "lead_institution": "; ".join(institution_name(o) for o in leads),
            "supporting_institutions": "; ".join(institution_name(o) for o in supporting),
            "institution_kinds": "; ".join(f"{institution_name(o)}: {o.kind}" for o in named),
            "member": member.name if member else plan.state.name,
            "member_inegi_code": member.inegi_code if member else "",
            "theme": c.theme,
            "problem": c.problem,
            "status_quo": c.status_quo,
            "objective": c.objective,
            "description": c.description,
            "source_url": c.source_url,
            "illustrative": _yes(c.is_illustrative),
            "commitment_starts_on": _date(c.starts_on),
            "commitment_ends_on": _date(c.ends_on),
            **{name: _yes(getattr(c, name)) for name in OGP_VALUE_FIELDS},
            **{name: getattr(c, name) for name in ROUND_TRIP if name.startswith("irm_")},
        }
        milestones = list(c.milestones.all())
        if not milestones:
            yield {**dict.fromkeys(COLUMNS, ""), **commitment_cells}
        for m in milestones:
            yield {
                **commitment_cells,
                "milestone_number": m.number,
                "milestone_title": m.title,
                "deliverable": m.deliverable,
                "milestone_starts_on": _date(m.starts_on),
                "milestone_due_on": _date(m.due_on, m.due_precision),
                "milestone_original_due_on": _date(m.original_due_on),
            }


class _Echo:
    def write(self, value):
        return value


def lines(plan):
    """The file, piece by piece: a UTF-8 byte order mark (so spreadsheets keep the accents),
    the header, then each row, as /datos/'s other CSV files are written."""
    yield "\ufeff"
    writer = csv.DictWriter(_Echo(), fieldnames=COLUMNS, lineterminator="\r\n")
    yield writer.writeheader()
    for row in rows(plan):
        yield writer.writerow({k: cell(v) for k, v in row.items()})


def write(plan, out):
    """Writes the plan's file to the text stream `out`; returns how many rows."""
    count = -1
    for piece in lines(plan):
        out.write(piece)
        count += piece != "\ufeff"
    return count
