"""Import of an action plan (commitments with their milestones) from CSV.

Two layouts: ours (one row per milestone, the commitment's columns repeated; see
docs/ejemplo-plan-de-accion.csv and the README) and OGP's commitment data layout (the
columns of /datos/compromisos-ogp.csv; commitments only). Every row is validated first and
every problem reported as (line, column, message); only a clean file is written, in one
transaction. Commitments are matched by OGP identifier and milestones by (commitment,
number), so importing the same file again changes nothing and an updated file updates rows in
place, keeping their history.
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from states.models import Organisation, State

from . import services
from .cache import invalidate_public_pages
from .csv_cells import unprotect
from .models import OGP_VALUE_FIELDS, ActionPlan, Commitment, Milestone
from .search import fold
from .validators import date_out_of_range

OURS = [
    "plan_number", "plan_title", "plan_starts_on", "plan_ends_on", "ogp_id",
    "commitment_number", "commitment_title", "short_title", "lead_institution",
    "supporting_institutions", "theme", "problem", "objective", "description",
    *OGP_VALUE_FIELDS, "commitment_starts_on", "commitment_ends_on",
    "milestone_number", "milestone_title", "deliverable", "milestone_starts_on",
    "milestone_due_on",
]  # fmt: skip
REQUIRED = [
    "plan_number", "plan_title", "plan_starts_on", "plan_ends_on", "ogp_id",
    "commitment_number", "commitment_title", "lead_institution", "commitment_starts_on",
    "commitment_ends_on",
]  # fmt: skip
MILESTONE_REQUIRED = ["milestone_title", "milestone_starts_on", "milestone_due_on"]
OGP_REQUIRED = [
    "Commitment Unique Identifier", "Action Plan Number", "Commitment Number",
    "Commitment Title", "Lead Institution",
]  # fmt: skip
# OGP's column for each value (exports write the same columns).
OGP_VALUES = dict(
    zip(
        [
            "OGP Value Access To Information", "OGP Value Civic Participation",
            "OGP Value Public Accountability", "OGP Value Technology",
        ],
        OGP_VALUE_FIELDS,
        strict=True,
    )
)  # fmt: skip
IRM_CODES = {
    "none": ("irm_potential_impact", "none"), "minor": ("irm_potential_impact", "minor"),
    "moderate": ("irm_potential_impact", "moderate"),
    "transformative": ("irm_potential_impact", "transformative"),
    "unclear": ("irm_potential_for_results", "unclear"),
    "modest": ("irm_potential_for_results", "modest"),
    "substantial": ("irm_potential_for_results", "substantial"),
}  # fmt: skip
TRUE, FALSE = {"1", "si", "sí", "yes", "true", "x", "y", "s"}, {"0", "no", "false", "", "n"}
OGP_ID = re.compile(r"^[A-Z]{2,6}[0-9]{2,5}$")


@dataclass(frozen=True)
class Problem:
    line: int | None  # None: a problem of the whole file
    column: str
    message: str

    def __str__(self):
        if self.line is None:
            return self.message
        where = _("line %(line)s") % {"line": self.line}
        if self.column:
            where += ", " + _("column %(column)s") % {"column": self.column}
        return f"{where}: {self.message}"


class InvalidFile(Exception):
    def __init__(self, problems):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass
class Report:
    layout: str = "ours"
    rows: int = 0
    created: dict = field(default_factory=lambda: {"commitments": 0, "milestones": 0})
    updated: dict = field(default_factory=lambda: {"commitments": 0, "milestones": 0})
    unchanged: dict = field(default_factory=lambda: {"commitments": 0, "milestones": 0})


def read(data):
    """(header, rows with their line numbers) of CSV bytes; raises InvalidFile if unreadable."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidFile(
            [
                Problem(
                    line, "", _('The file is not UTF-8 text. Save it as "CSV UTF-8" and try again.')
                )
            ]  # noqa: E501
        ) from None
    if "\x00" in text:
        # PostgreSQL cannot store it; a NUL in a "CSV" means another encoding or a binary file.
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InvalidFile(
            [
                Problem(
                    line,
                    "",
                    _(
                        "The file holds a NUL character, which text never does: it may be "
                        'saved as UTF-16 or be a spreadsheet file. Save it as "CSV UTF-8" and '
                        "try again."
                    ),
                )
            ]
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidFile([Problem(1, "", _("The file is empty."))]) from None
    except csv.Error as error:
        raise InvalidFile([Problem(1, "", str(error))]) from None
    rows = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                # Cells our own downloads protected from spreadsheets read back as written.
                cells = (unprotect(c.strip()) for c in row)
                rows.append((reader.line_num, dict(zip(header, cells, strict=False))))
    except csv.Error as error:
        raise InvalidFile([Problem(reader.line_num, "", str(error))]) from None
    return header, rows


class _Checker:
    def __init__(self, state):
        self.state = state
        self.problems = []
        orgs = Organisation.objects.filter(Q(state=state) | Q(state=None))
        self.orgs = {}
        for org in orgs:
            self.orgs.setdefault(fold(org.name), org)
            if org.acronym:
                self.orgs.setdefault(fold(org.acronym), org)

    def add(self, line, column, message):
        self.problems.append(Problem(line, column, message))

    def text(self, line, row, column, *, required=False, max_length=None):
        value = row.get(column, "") or ""
        if required and not value:
            self.add(line, column, _("This value is required."))
        if max_length and len(value) > max_length:
            self.add(line, column, _("At most %(n)s characters.") % {"n": max_length})
        return value

    def date(self, line, row, column, *, required=True):
        value = row.get(column, "") or ""
        if not value:
            if required:
                self.add(line, column, _("This value is required."))
            return None
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                date = dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 (a calendar date)
            except ValueError:
                continue
            if not value.isascii():  # strptime takes any script's digits
                break
            out_of_range = date_out_of_range(date)
            if out_of_range:
                self.add(line, column, out_of_range)
                return None
            return date
        self.add(line, column, _("%(value)s is not a date: use YYYY-MM-DD.") % {"value": value})
        return None

    def number(self, line, row, column, *, required=True):
        value = row.get(column, "") or ""
        if not value:
            if required:
                self.add(line, column, _("This value is required."))
            return None
        # ASCII digits only: "²" is a digit to str.isdigit(), and not to int().
        if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 32768:
            self.add(line, column, _("%(value)s is not a whole number from 1.") % {"value": value})
            return None
        return int(value)

    def flag(self, line, row, column):
        value = fold(row.get(column, "") or "")
        if value in TRUE:
            return True
        if value not in FALSE:
            self.add(line, column, _("Use yes or no."))
        return False

    def org(self, line, column, name):
        found = self.orgs.get(fold(name))
        if found is None:
            self.add(
                line,
                column,
                _("Unknown institution: %(name)s. Add it in the admin first, or fix the name.")
                % {"name": name},
            )
        return found


def validate(state, header, rows):
    """Everything the file would write, or InvalidFile with every problem found."""
    layout = "ogp" if "Commitment Unique Identifier" in header else "ours"
    required = (
        OGP_REQUIRED if layout == "ogp" else REQUIRED + ["milestone_number", *MILESTONE_REQUIRED]
    )
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidFile([Problem(1, c, _("This column is missing.")) for c in missing])
    if not rows:
        raise InvalidFile([Problem(2, "", _("The file has its header but no rows to import."))])
    check = _Checker(state)
    if layout == "ogp":
        plan, commitments, milestones = _validate_ogp(check, state, rows)
    else:
        plan, commitments, milestones = _validate_ours(check, state, rows)
    _check_identifiers(check, state, commitments)
    if check.problems:
        raise InvalidFile(sorted(check.problems, key=lambda p: (p.line, p.column)))
    return layout, plan, commitments, milestones


def _validate_ours(check, state, rows):
    plan, commitments, milestones = None, {}, {}
    for line, row in rows:
        this_plan = {
            "number": check.number(line, row, "plan_number"),
            "title": check.text(line, row, "plan_title", required=True, max_length=300),
            "starts_on": check.date(line, row, "plan_starts_on"),
            "ends_on": check.date(line, row, "plan_ends_on"),
        }
        if plan is None:
            plan = this_plan
            if plan["starts_on"] and plan["ends_on"] and plan["ends_on"] < plan["starts_on"]:
                check.add(line, "plan_ends_on", _("The plan cannot end before it starts."))
        elif this_plan != plan:
            check.add(
                line, "plan_number", _("A file holds one action plan: this row names another.")
            )  # noqa: E501
        ogp_id = check.text(line, row, "ogp_id", required=True)
        if ogp_id and not OGP_ID.match(ogp_id):
            check.add(
                line,
                "ogp_id",
                _("%(value)s is not an OGP identifier (e.g. MXNLE0001).") % {"value": ogp_id},
            )  # noqa: E501
        lead_name = check.text(line, row, "lead_institution", required=True)
        commitment = {
            "line": line,
            "number": check.number(line, row, "commitment_number"),
            "title": check.text(line, row, "commitment_title", required=True, max_length=300),
            "short_title": check.text(line, row, "short_title", max_length=120),
            "lead": check.org(line, "lead_institution", lead_name) if lead_name else None,
            "supporting": [
                check.org(line, "supporting_institutions", name.strip())
                for name in (row.get("supporting_institutions") or "").split(";")
                if name.strip()
            ],
            "theme": check.text(line, row, "theme", max_length=120),
            "problem": check.text(line, row, "problem"),
            "objective": check.text(line, row, "objective"),
            "description": check.text(line, row, "description"),
            "starts_on": check.date(line, row, "commitment_starts_on"),
            "ends_on": check.date(line, row, "commitment_ends_on"),
            **{v: check.flag(line, row, v) for v in OGP_VALUE_FIELDS},
        }
        if (
            commitment["starts_on"]
            and commitment["ends_on"]
            and commitment["ends_on"] < commitment["starts_on"]
        ):  # noqa: E501
            check.add(line, "commitment_ends_on", _("The commitment cannot end before it starts."))
        if ogp_id in commitments:
            first = commitments[ogp_id]
            same = all(first[k] == commitment[k] for k in commitment if k != "line")
            if not same:
                check.add(
                    line,
                    "ogp_id",
                    _("%(id)s appears with different commitment data than on line %(line)s.")
                    % {"id": ogp_id, "line": first["line"]},
                )  # noqa: E501
        elif ogp_id:
            commitments[ogp_id] = commitment
        if any(row.get(c) for c in ("milestone_number", *MILESTONE_REQUIRED)):
            number = check.number(line, row, "milestone_number")
            milestone = {
                "line": line,
                "title": check.text(line, row, "milestone_title", required=True, max_length=300),
                "deliverable": check.text(line, row, "deliverable"),
                "starts_on": check.date(line, row, "milestone_starts_on"),
                "due_on": check.date(line, row, "milestone_due_on"),
            }
            if (
                milestone["starts_on"]
                and milestone["due_on"]
                and milestone["due_on"] < milestone["starts_on"]
            ):  # noqa: E501
                check.add(line, "milestone_due_on", _("The due date cannot be before the start."))
            key = (ogp_id, number)
            if number is not None and key in milestones:
                check.add(
                    line,
                    "milestone_number",
                    _("Milestone %(n)s of %(id)s is already on line %(line)s.")
                    % {"n": number, "id": ogp_id, "line": milestones[key]["line"]},
                )  # noqa: E501
            elif number is not None:
                milestones[key] = milestone
    numbers = {}
    for ogp_id, c in commitments.items():
        if c["number"] in numbers:
            check.add(
                c["line"],
                "commitment_number",
                _("Commitment number %(n)s is also used by %(id)s.")
                % {"n": c["number"], "id": numbers[c["number"]]},
            )  # noqa: E501
        numbers[c["number"]] = ogp_id
    return plan, commitments, milestones


def _validate_ogp(check, state, rows):
    plan_number, commitments = None, {}
    for line, row in rows:
        number = check.number(line, row, "Action Plan Number")
        if plan_number is None:
            plan_number = number
        elif number != plan_number:
            check.add(
                line,
                "Action Plan Number",
                _("A file holds one action plan: this row names another."),
            )  # noqa: E501
        ogp_id = check.text(line, row, "Commitment Unique Identifier", required=True)
        if ogp_id and not OGP_ID.match(ogp_id):
            check.add(
                line,
                "Commitment Unique Identifier",
                _("%(value)s is not an OGP identifier (e.g. MXNLE0001).") % {"value": ogp_id},
            )  # noqa: E501
        if ogp_id in commitments:
            check.add(
                line,
                "Commitment Unique Identifier",
                _("%(id)s is already on line %(line)s.")
                % {"id": ogp_id, "line": commitments[ogp_id]["line"]},
            )  # noqa: E501
            continue
        lead_name = check.text(line, row, "Lead Institution", required=True)
        irm = {}
        potential = fold(row.get("Potential Impact") or "")
        if potential in IRM_CODES:
            field_name, code = IRM_CODES[potential]
            irm[field_name] = code
        completion = fold(row.get("Completion") or "").replace(" ", "_")
        if completion in {
            "no_evidence_available",
            "not_started",
            "limited",
            "substantial",
            "complete",
        }:  # noqa: E501
            irm["irm_completion"] = (
                "no_evidence" if completion == "no_evidence_available" else completion
            )  # noqa: E501
        opened = fold(row.get("Did It Open Government") or "").replace(" ", "_")
        if opened in {"worsened", "did_not_change", "marginal", "major", "outstanding"}:
            irm["irm_did_it_open_government"] = (
                "no_change" if opened == "did_not_change" else opened
            )  # noqa: E501
        commitments[ogp_id] = {
            "line": line,
            "number": check.number(line, row, "Commitment Number"),
            "title": check.text(line, row, "Commitment Title", required=True, max_length=300),
            "short_title": check.text(line, row, "Short Title", max_length=120),
            "lead": check.org(line, "Lead Institution", lead_name) if lead_name else None,
            "supporting": [
                check.org(line, "Supporting Institution(s)", name.strip())
                for name in (row.get("Supporting Institution(s)") or "").split(";")
                if name.strip()
            ],
            "theme": check.text(line, row, "Theme", max_length=120),
            "description": row.get("Full Text") or "",
            **{v: fold(row.get(col) or "") in TRUE for col, v in OGP_VALUES.items()},
            **irm,
        }
    plan = ActionPlan.objects.filter(state=state, number=plan_number).first()
    if plan_number and plan is None:
        check.add(
            2,
            "Action Plan Number",
            _(
                "Action plan %(n)s of %(state)s does not exist: create it first "
                "(OGP's layout has no plan dates)."
            )
            % {"n": plan_number, "state": state.name},
        )  # noqa: E501
    for c in commitments.values():
        if plan is not None:
            c.setdefault("starts_on", plan.starts_on)
            c.setdefault("ends_on", plan.ends_on)
    return ({"number": plan_number, "existing": plan} if plan else None), commitments, {}


def _check_identifiers(check, state, commitments):
    elsewhere = Commitment.objects.filter(ogp_id__in=list(commitments)).exclude(
        action_plan__state=state
    )
    for ogp_id in elsewhere.values_list("ogp_id", flat=True):
        check.add(
            commitments[ogp_id]["line"],
            "ogp_id",
            _("%(id)s belongs to a commitment of another state.") % {"id": ogp_id},
        )  # noqa: E501


def _set(obj, values):
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    for k in changed:
        setattr(obj, k, values[k])
    return changed


def apply(state, layout, plan_data, commitments, milestones, **kwargs):
    """Writes a validated file in one transaction, one import of a state at a time."""
    try:
        return _apply(state, layout, plan_data, commitments, milestones, **kwargs)
    except IntegrityError:
        # What was validated changed before the write: another import of the same
        # identifiers into another state, or an institution deleted meanwhile.
        raise InvalidFile(
            [
                Problem(
                    None,
                    "",
                    _(
                        "Another change to these commitments or institutions was saved while "
                        "this file was being imported; nothing was written. Import the file "
                        "again to see what it would change now."
                    ),
                )
            ]
        ) from None


def _apply(state, layout, plan_data, commitments, milestones, *, now, user=None, progress=None):
    report = Report(layout=layout)
    with transaction.atomic():
        # A second import of this state waits here for the first to commit, then reads the
        # rows the first wrote: it updates them in place (or changes nothing), as if run
        # after it, instead of inserting the same plan and identifiers again.
        list(State.objects.select_for_update(no_key=True).filter(pk=state.pk).values("pk"))
        if layout == "ogp":
            plan = plan_data["existing"]
        else:
            plan, _created = ActionPlan.objects.get_or_create(
                state=state,
                number=plan_data["number"],
                defaults={k: plan_data[k] for k in ("title", "starts_on", "ends_on")},
            )
            if _set(plan, {k: plan_data[k] for k in ("title", "starts_on", "ends_on")}):
                plan.save()
        existing = {
            c.ogp_id: c
            for c in Commitment.objects.filter(ogp_id__in=list(commitments)).prefetch_related(
                "supporting_institutions"
            )
        }
        saved, new = {}, []
        for i, (ogp_id, data) in enumerate(commitments.items()):
            values = {k: v for k, v in data.items() if k not in ("line", "lead", "supporting")}
            values["lead_institution"] = data["lead"]
            values["action_plan"] = plan
            c = existing.get(ogp_id)
            if c is None:
                c = Commitment(ogp_id=ogp_id, **values)
                new.append((c, data["supporting"]))
                report.created["commitments"] += 1
            else:
                changed = _set(c, values)
                if changed:
                    c.save(update_fields=changed)
                if set(c.supporting_institutions.all()) != set(data["supporting"]):
                    c.supporting_institutions.set(data["supporting"])
                    changed.append("supporting_institutions")
                report.updated["commitments"] += bool(changed)
                report.unchanged["commitments"] += not changed
            saved[ogp_id] = c
            if progress:
                progress(i + 1, len(commitments) + len(milestones))
        # New rows go in bulk: a first import of a long plan is mostly inserts.
        Commitment.objects.bulk_create([c for c, _supporting in new], batch_size=1000)
        through = Commitment.supporting_institutions.through
        through.objects.bulk_create(
            [through(commitment=c, organisation=o) for c, orgs in new for o in orgs],
            batch_size=1000,
        )
        fresh = []
        stale_after_days = state.stale_after_days
        current = {
            (m.commitment.ogp_id, m.number): m
            for m in Milestone.objects.filter(commitment__in=saved.values()).select_related(
                "commitment__action_plan__state"
            )
        }
        for j, ((ogp_id, number), data) in enumerate(milestones.items()):
            values = {k: v for k, v in data.items() if k != "line"}
            m = current.get((ogp_id, number))
            if m is None:
                m = Milestone(commitment=saved[ogp_id], number=number, **values)
                fresh.append(services.assess_new(m, now=now, stale_after_days=stale_after_days))
                report.created["milestones"] += 1
            elif services.revise_milestone(milestone=m, changes=values, now=now, actor=user):
                report.updated["milestones"] += 1
            else:
                report.unchanged["milestones"] += 1
            if progress:
                progress(len(commitments) + j + 1, len(commitments) + len(milestones))
        Milestone.objects.bulk_create(fresh, batch_size=1000)
        invalidate_public_pages()
    return report


def import_plan(data, *, state, now, user=None, progress=None):
    """Reads, validates and (if clean) writes a file; raises InvalidFile otherwise."""
    header, rows = read(data)
    layout, plan, commitments, milestones = validate(state, header, rows)
    report = apply(
        state, layout, plan, commitments, milestones, user=user, now=now, progress=progress
    )  # noqa: E501
    report.rows = len(rows)
    return report
