"""Import of an action plan (commitments with their milestones) from CSV.

Two layouts: ours (one row per milestone, the commitment's columns repeated; see
docs/ejemplo-plan-de-accion.csv and the README) and OGP's commitment data layout (the
columns of /datos/compromisos-ogp.csv; commitments only). Every row is validated first and
every problem reported as (line, column, message); only a clean file is written, in one
transaction. Commitments are matched by OGP identifier and milestones by (commitment,
number), so importing the same file again changes nothing and an updated file updates rows in
place, keeping their history.

Published plans import as they are: several lead institutions in one cell (separated by
`;`, the first one first), milestones without dates or with a month only, a commitment
without milestones, the commitment's source (`source_url`, or OGP's `URL`), its OGP member
(a municipality of the state, from its identifier's prefix or the `member` column), and dates
outside the plan's period (imported, with a warning in the report). Columns the importer does
not read are named in the report. Institutions are found by name, acronym, "Name (ACRONYM)"
or alias; with `create_institutions` the missing ones are created, in the same transaction,
when nothing else in the file is wrong.
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from states.models import Municipality, Organisation, State, organisation_slug

from . import rules, services
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
MILESTONE_COLUMNS = ["milestone_title", "milestone_starts_on", "milestone_due_on"]
# Optional columns of both layouts.
EXTRA = ["member", "member_inegi_code", "source_url", "institution_kinds"]
# Optional columns of ours that `export_plan` writes, so that its file holds every field of
# the plan: read only when the file has them (a file without them leaves those fields as
# they are). The milestone's first due date is read for a new milestone only: for one already
# here, the moves of its date are its history, kept by the services.
ROUND_TRIP = [
    "plan_status", "plan_source_url", "status_quo", "illustrative",
    "irm_potential_impact", "irm_potential_for_results", "irm_completion",
    "irm_did_it_open_government", "milestone_original_due_on",
]  # fmt: skip
IRM_FIELDS = ROUND_TRIP[4:8]
# OGP's layout: the columns read besides the required ones (/datos/compromisos-ogp.csv).
OGP_READ = [
    "Country/Locality", "Theme", "Short Title", "Full Text", "Supporting Institution(s)",
    "URL", "Potential Impact", "Completion", "Did It Open Government",
    # Written by our download and by OGP's sheets, and derived, not imported.
    "Region", "Year Of Submission", "Specificity",
]  # fmt: skip
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
OGP_PREFIX = re.compile(r"^[A-Z]+")
# Months as plans write them, folded: Spanish and English, whole or abbreviated.
MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("enero", "ene", "january", "jan"), ("febrero", "feb", "february"),
            ("marzo", "mar", "march"), ("abril", "abr", "april", "apr"), ("mayo", "may"),
            ("junio", "jun", "june"), ("julio", "jul", "july"),
            ("agosto", "ago", "august", "aug"),
            ("septiembre", "setiembre", "sep", "sept", "september"),
            ("octubre", "oct", "october"), ("noviembre", "nov", "november"),
            ("diciembre", "dic", "december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
MONTH_ONLY = re.compile(
    r"^(?:(\d{4})-(\d{1,2})|(\d{1,2})/(\d{4})|([a-z]+)\.?\s+(?:de\s+|del\s+)?(\d{4}))$"
)
KINDS = {
    fold(label): code
    for code, *labels in [
        ("government", "government", "gobierno", "dependencia"),
        ("cso", "cso", "osc", "sociedad civil", "civil society"),
        ("transparency", "transparency", "transparencia", "organo garante"),
        ("academia", "academia", "universidad", "academic"),
        ("private", "private", "privado", "sector privado"),
    ]
    for label in (code, *labels)
}  # fmt: skip
NAME_AND_ACRONYM = re.compile(r"^(.*\S)\s*\(([^()]+)\)$")


def institution_key(text):
    """How names are compared: folded (accents and case ignored), spaces collapsed."""
    return " ".join(fold(text or "").split())


def parse_date(value):
    """(date, precision) of a cell: YYYY-MM-DD or DD/MM/YYYY ("day"); YYYY-MM, MM/YYYY, "junio
    de 2024" or "Jun 2024" ("month", as the month's first day); None if it is none of them."""
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            date = dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
        return (date, "day") if value.isascii() else None  # strptime takes any script's digits
    folded = fold(value).strip()
    match = MONTH_ONLY.match(folded) if folded.isascii() else None
    if match is None:
        return None
    year, month, month2, year2, name, year3 = match.groups()
    if name is not None:
        month, year = MONTHS.get(name), year3
    elif month2 is not None:
        month, year = month2, year2
    try:
        return dt.date(int(year), int(month), 1), "month"
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class NewInstitution:
    """An institution a file names that does not exist yet (created with the import)."""

    name: str
    acronym: str
    kind: str

    @property
    def key(self):
        return institution_key(self.name)


@dataclass(frozen=True)
class NewMunicipality:
    name: str
    inegi_code: str
    ogp_prefix: str


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
    # What was imported but deserves a look (Problem rows: dates outside the plan's period).
    warnings: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)
    created_institutions: list = field(default_factory=list)
    created_municipalities: list = field(default_factory=list)

    def notes(self):
        """The report's lines beyond the counts, for the command and the admin alike."""
        lines = [_("Warning, %(problem)s") % {"problem": warning} for warning in self.warnings]
        if self.ignored_columns:
            lines.append(
                _("Columns not imported: %(columns)s.")
                % {"columns": ", ".join(self.ignored_columns)}
            )
        if self.created_institutions:
            lines.append(
                _("Institutions created, to be reviewed in the admin: %(names)s.")
                % {"names": "; ".join(self.created_institutions)}
            )
        if self.created_municipalities:
            lines.append(
                _("OGP members created: %(names)s.")
                % {"names": "; ".join(self.created_municipalities)}
            )
        return lines


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
    def __init__(self, state, *, create_institutions=False):
        self.state = state
        self.problems = []
        self.create_institutions = create_institutions
        # Unknown institutions: (line, column, name) where they are named, and the row each
        # new one would be created from (by institution_key).
        self.unknown = []
        self.new_institutions = {}
        self.orgs = {}
        for org in Organisation.objects.filter(Q(state=state) | Q(state=None)):
            names = [org.name, *org.alias_list]
            if org.acronym:
                names += [org.acronym, f"{org.name} ({org.acronym})"]
            for name in names:
                self.orgs.setdefault(institution_key(name), org)
        self.municipalities = list(Municipality.objects.filter(state=state))
        self.new_municipalities = {}
        self.other_prefixes = dict(
            State.objects.exclude(pk=state.pk)
            .exclude(ogp_prefix="")
            .values_list("ogp_prefix", "name")
        )

    def add(self, line, column, message):
        self.problems.append(Problem(line, column, message))

    def text(self, line, row, column, *, required=False, max_length=None):
        value = row.get(column, "") or ""
        if required and not value:
            self.add(line, column, _("This value is required."))
        if max_length and len(value) > max_length:
            self.add(line, column, _("At most %(n)s characters.") % {"n": max_length})
        return value

    def dated(self, line, row, column, *, required=True):
        """(date, precision) of a cell, a month's first day when it names only the month;
        (None, "day") when empty or wrong (and reported)."""
        value = row.get(column, "") or ""
        if not value:
            if required:
                self.add(line, column, _("This value is required."))
            return None, "day"
        parsed = parse_date(value)
        if parsed is None:
            self.add(
                line,
                column,
                _("%(value)s is not a date: use YYYY-MM-DD, or YYYY-MM for a month.")
                % {"value": value},
            )
            return None, "day"
        out_of_range = date_out_of_range(parsed[0])
        if out_of_range:
            self.add(line, column, out_of_range)
            return None, "day"
        return parsed

    def date(self, line, row, column, *, required=True, month_end=False):
        """A date; a month alone is its first day, or its last with `month_end`."""
        date, precision = self.dated(line, row, column, required=required)
        return rules.normalise_due(date, precision) if month_end else date

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

    def choice(self, line, row, column, choices):
        """One of `choices` (a TextChoices class, or Django's (code, label) pairs), by its
        code or its label in either language, accents and case ignored; empty is ""."""
        value = institution_key(row.get(column, "") or "")
        if not value:
            return ""
        pairs = choices.choices if hasattr(choices, "choices") else choices
        for code, label in pairs:
            if value in (institution_key(code), institution_key(str(label))):
                return code
            with translation.override("en"):
                if value == institution_key(str(label)):
                    return code
        codes = ", ".join(code for code, _label in pairs)
        self.add(
            line,
            column,
            _("%(value)s is not one of: %(codes)s.") % {"value": value, "codes": codes},
        )
        return ""

    def flag(self, line, row, column):
        value = fold(row.get(column, "") or "")
        if value in TRUE:
            return True
        if value not in FALSE:
            self.add(line, column, _("Use yes or no."))
        return False

    def url(self, line, row, columns, ogp_id=""):
        for column in columns:
            value = row.get(column, "") or ""
            if not value:
                continue
            if ogp_id and value.rstrip("/").endswith(f"/compromisos/{ogp_id}"):
                # Our own download's URL column: the tracker's page, not the source.
                continue
            if not re.match(r"^https?://\S+$", value) or len(value) > 500:
                self.add(line, column, _("%(value)s is not a web address.") % {"value": value})
                return ""
            return value
        return ""

    def kinds(self, line, row):
        """The kinds a row gives its new institutions: "Name: osc; Other: academia"."""
        found = {}
        for part in (row.get("institution_kinds") or "").split(";"):
            name, sep, kind = part.rpartition(":")
            if not part.strip():
                continue
            code = KINDS.get(institution_key(kind))
            if not sep or not name.strip() or code is None:
                self.add(
                    line,
                    "institution_kinds",
                    _(
                        '"%(part)s" is not "institution: kind" (kinds: gobierno, osc, '
                        "transparencia, academia, privado)."
                    )
                    % {"part": part.strip()},
                )
                continue
            found[institution_key(name)] = code
        return found

    def org(self, line, column, name, kinds=None):
        key = institution_key(name)
        found = self.orgs.get(key)
        match = NAME_AND_ACRONYM.match(name.strip())
        if found is None and match:
            # "Name (ACRONYM)": either half names it, the name first.
            found = self.orgs.get(institution_key(match[1])) or self.orgs.get(
                institution_key(match[2])
            )
        if found is not None:
            return found
        self.unknown.append((line, column, name))
        if key not in self.new_institutions:
            plain, acronym = (match[1], match[2].strip()) if match else (name.strip(), "")
            if len(acronym) > 30:
                plain, acronym = name.strip(), ""
            kind = next(
                (
                    (kinds or {})[k]
                    for k in (key, institution_key(plain), institution_key(acronym))
                    if k in (kinds or {})
                ),
                None,
            )
            self.new_institutions[key] = NewInstitution(
                plain[:200], acronym, kind or Organisation.Kind.GOVERNMENT
            )
        return self.new_institutions[key]

    def orgs_in(self, line, row, column, kinds):
        return [
            self.org(line, column, name.strip(), kinds)
            for name in (row.get(column) or "").split(";")
            if name.strip()
        ]

    def unknown_problems(self):
        if self.create_institutions:
            message = _(
                "Unknown institution: %(name)s. It will be created once the rest of the file "
                "is right."
            )
        else:
            message = _(
                "Unknown institution: %(name)s. Add it in the admin first, fix the name, or "
                "import with --create-institutions."
            )
        return [
            Problem(line, column, message % {"name": name}) for line, column, name in self.unknown
        ]

    def member(self, line, row, ogp_id, column="member"):
        """The commitment's OGP member: None for the state itself, or a Municipality (an
        existing one, or a NewMunicipality to create)."""
        prefix_match = OGP_PREFIX.match(ogp_id or "")
        prefix = prefix_match[0] if prefix_match else ""
        name = _member_name(row.get(column) or "")
        state = self.state
        if prefix and prefix in self.other_prefixes:
            self.add(
                line,
                "ogp_id",
                _("%(id)s is a commitment of %(state)s, not of %(this)s.")
                % {"id": ogp_id, "state": self.other_prefixes[prefix], "this": state.name},
            )
            return None
        if name and institution_key(name) in (institution_key(state.name), state.slug):
            return None
        known = self.municipalities + list(self.new_municipalities.values())
        if name:
            for m in known:
                if institution_key(m.name) == institution_key(name):
                    return m
            code = (row.get("member_inegi_code") or "").strip()
            if not (re.fullmatch(r"[0-9]{5}", code) and code.startswith(state.inegi_code)):
                self.add(
                    line,
                    "member_inegi_code",
                    _(
                        "%(name)s is not an OGP member of %(state)s yet: give its 5-digit INEGI "
                        "code, beginning with %(code)s."
                    )
                    % {"name": name, "state": state.name, "code": state.inegi_code},
                )
                return None
            if prefix == state.ogp_prefix:
                prefix = ""
            taken = Municipality.objects.filter(inegi_code=code).exists() or any(
                m.inegi_code == code for m in known
            )
            if taken:
                self.add(
                    line,
                    "member_inegi_code",
                    _("INEGI code %(code)s belongs to another municipality.") % {"code": code},
                )
                return None
            new = NewMunicipality(name[:120], code, prefix)
            self.new_municipalities[institution_key(name)] = new
            return new
        if prefix and prefix != state.ogp_prefix:
            for m in known:
                if m.ogp_prefix == prefix:
                    return m
        return None


def _member_name(value):
    """The member as a file names it: "San Pedro Garza García, Mexico" (OGP's layout),
    "Nuevo Leon (State), Mexico" or plainly "Monterrey"."""
    value = value.strip()
    value = re.sub(r",\s*(mexico|méxico)\s*$", "", value, flags=re.I)
    return re.sub(r"\s*\((state|estado)\)\s*$", "", value, flags=re.I).strip()


def validate(state, header, rows, *, create_institutions=False):
    """Everything the file would write, or InvalidFile with every problem found."""
    layout = "ogp" if "Commitment Unique Identifier" in header else "ours"
    required = OGP_REQUIRED if layout == "ogp" else REQUIRED
    if layout == "ours" and {"milestone_number", *MILESTONE_COLUMNS} & set(header):
        # Milestones are optional, but a file that has them has all of their columns (a cell
        # may be empty: an undated milestone), so a dropped column is never read as "undated".
        required = required + ["milestone_number", *MILESTONE_COLUMNS]
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidFile([Problem(1, c, _("This column is missing.")) for c in missing])
    if not rows:
        raise InvalidFile([Problem(2, "", _("The file has its header but no rows to import."))])
    check = _Checker(state, create_institutions=create_institutions)
    if layout == "ogp":
        plan, commitments, milestones = _validate_ogp(check, state, rows)
    else:
        plan, commitments, milestones = _validate_ours(check, state, rows)
    _check_identifiers(check, state, commitments)
    problems = check.problems
    if check.unknown and (problems or not create_institutions):
        # Institutions are created only into an otherwise clean file.
        problems = problems + check.unknown_problems()
    if problems:
        raise InvalidFile(sorted(problems, key=lambda p: (p.line or 0, p.column)))
    known = set(OURS + EXTRA + ROUND_TRIP if layout == "ours" else OGP_REQUIRED + OGP_READ + EXTRA)
    known |= {"URL"}
    validated = Validated(
        layout=layout,
        plan=plan,
        commitments=commitments,
        milestones=milestones,
        new_institutions=list(check.new_institutions.values()),
        new_municipalities=list(check.new_municipalities.values()),
        ignored_columns=[c for c in header if c and c not in known],
        warnings=_period_warnings(plan, commitments, layout),
    )
    return validated


@dataclass
class Validated:
    layout: str
    plan: dict
    commitments: dict
    milestones: dict
    new_institutions: list = field(default_factory=list)
    new_municipalities: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def _period_warnings(plan, commitments, layout):
    """Commitments dated outside their plan's period: imported, and said so."""
    if plan is None:
        return []
    if layout == "ogp":
        starts, ends = plan["existing"].starts_on, plan["existing"].ends_on
    else:
        starts, ends = plan["starts_on"], plan["ends_on"]
    column = "commitment_starts_on" if layout == "ours" else "Commitment Unique Identifier"
    warnings = []
    for ogp_id, c in commitments.items():
        if c["starts_on"] < starts or c["ends_on"] > ends:
            warnings.append(
                Problem(
                    c["line"],
                    column,
                    _(
                        "%(id)s runs from %(start)s to %(end)s, outside its plan's period "
                        "(%(plan_start)s to %(plan_end)s)."
                    )
                    % {
                        "id": ogp_id,
                        "start": c["starts_on"],
                        "end": c["ends_on"],
                        "plan_start": starts,
                        "plan_end": ends,
                    },  # fmt: skip
                )
            )
    return warnings


def _validate_ours(check, state, rows):
    plan, commitments, milestones = None, {}, {}
    for line, row in rows:
        this_plan = {
            "number": check.number(line, row, "plan_number"),
            "title": check.text(line, row, "plan_title", required=True, max_length=300),
            "starts_on": check.date(line, row, "plan_starts_on"),
            "ends_on": check.date(line, row, "plan_ends_on", month_end=True),
        }
        if "plan_status" in row:
            this_plan["status"] = check.choice(line, row, "plan_status", ActionPlan.Status)
        if "plan_source_url" in row:
            this_plan["source_url"] = check.url(line, row, ["plan_source_url"])
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
        kinds = check.kinds(line, row)
        leads = check.orgs_in(line, row, "lead_institution", kinds)
        if not leads:
            check.text(line, row, "lead_institution", required=True)
        commitment = {
            "line": line,
            "number": check.number(line, row, "commitment_number"),
            "title": check.text(line, row, "commitment_title", required=True, max_length=300),
            "short_title": check.text(line, row, "short_title", max_length=120),
            "lead": leads[0] if leads else None,
            "co_leads": leads[1:],
            "supporting": check.orgs_in(line, row, "supporting_institutions", kinds),
            "member": check.member(line, row, ogp_id) if ogp_id else None,
            "theme": check.text(line, row, "theme", max_length=120),
            "problem": check.text(line, row, "problem"),
            "objective": check.text(line, row, "objective"),
            "description": check.text(line, row, "description"),
            "source_url": check.url(line, row, ["source_url", "URL"], ogp_id),
            "starts_on": check.date(line, row, "commitment_starts_on"),
            "ends_on": check.date(line, row, "commitment_ends_on", month_end=True),
            **{v: check.flag(line, row, v) for v in OGP_VALUE_FIELDS},
        }
        if "status_quo" in row:
            commitment["status_quo"] = check.text(line, row, "status_quo")
        if "illustrative" in row:
            commitment["is_illustrative"] = check.flag(line, row, "illustrative")
        for name in IRM_FIELDS:
            if name in row:
                choices = Commitment._meta.get_field(name).choices
                commitment[name] = check.choice(line, row, name, choices)
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
        if any(row.get(c) for c in ("milestone_number", *MILESTONE_COLUMNS)):
            number = check.number(line, row, "milestone_number")
            starts_on = check.date(line, row, "milestone_starts_on", required=False)
            # A published deliverable may have no date at all (undated), or a month only.
            due_on, precision = check.dated(line, row, "milestone_due_on", required=False)
            due_on = rules.normalise_due(due_on, precision)
            milestone = {
                "line": line,
                "title": check.text(line, row, "milestone_title", required=True, max_length=300),
                "deliverable": check.text(line, row, "deliverable"),
                # No planned start: the commitment's.
                "starts_on": starts_on or commitment["starts_on"],
                "due_on": due_on,
                "due_precision": precision,
            }
            if "milestone_original_due_on" in row:
                milestone["original_due_on"] = check.date(
                    line, row, "milestone_original_due_on", required=False
                )
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
        kinds = check.kinds(line, row)
        leads = check.orgs_in(line, row, "Lead Institution", kinds)
        if not leads:
            check.text(line, row, "Lead Institution", required=True)
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
        member_column = "member" if row.get("member") else "Country/Locality"
        commitments[ogp_id] = {
            "line": line,
            "number": check.number(line, row, "Commitment Number"),
            "title": check.text(line, row, "Commitment Title", required=True, max_length=300),
            "short_title": check.text(line, row, "Short Title", max_length=120),
            "lead": leads[0] if leads else None,
            "co_leads": leads[1:],
            "supporting": check.orgs_in(line, row, "Supporting Institution(s)", kinds),
            "member": check.member(line, row, ogp_id, member_column) if ogp_id else None,
            "theme": check.text(line, row, "Theme", max_length=120),
            "description": row.get("Full Text") or "",
            "source_url": check.url(line, row, ["source_url", "URL"], ogp_id),
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


def apply(state, validated, **kwargs):
    """Writes a validated file in one transaction, one import of a state at a time."""
    try:
        return _apply(state, validated, **kwargs)
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


def _create_new(state, validated, report):
    """The institutions and municipalities the file names and the database lacks."""
    orgs = {}
    taken = set(Organisation.objects.values_list("slug", flat=True))
    for new in validated.new_institutions:
        org = Organisation(
            name=new.name, acronym=new.acronym, kind=new.kind, state=state, needs_review=True
        )
        org.slug = organisation_slug(new.name, state, taken=taken)
        org.save()
        orgs[new] = org
        report.created_institutions.append(str(org))
    members = {}
    for new in validated.new_municipalities:
        municipality = Municipality.objects.create(
            state=state,
            name=new.name,
            inegi_code=new.inegi_code,
            ogp_prefix=new.ogp_prefix,
            slug=_municipality_slug(new.name, state),
        )
        members[new] = municipality
        report.created_municipalities.append(str(municipality))
    return orgs, members


def _municipality_slug(name, state):
    base = slugify(f"{name}-{state.slug}")[:110] or "municipio"
    slug, n = base, 1
    while Municipality.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _apply(state, validated, *, now, user=None, progress=None):
    layout, plan_data = validated.layout, validated.plan
    commitments, milestones = validated.commitments, validated.milestones
    report = Report(
        layout=layout, warnings=validated.warnings, ignored_columns=validated.ignored_columns
    )
    with transaction.atomic():
        # A second import of this state waits here for the first to commit, then reads the
        # rows the first wrote: it updates them in place (or changes nothing), as if run
        # after it, instead of inserting the same plan and identifiers again.
        list(State.objects.select_for_update(no_key=True).filter(pk=state.pk).values("pk"))
        orgs, members = _create_new(state, validated, report)

        def real(org):
            return orgs.get(org, org)

        if layout == "ogp":
            plan = plan_data["existing"]
        else:
            fields = {k: v for k, v in plan_data.items() if k != "number"}
            plan, _created = ActionPlan.objects.get_or_create(
                state=state, number=plan_data["number"], defaults=fields
            )
            if _set(plan, fields):
                plan.save()
        existing = {
            c.ogp_id: c
            for c in Commitment.objects.filter(ogp_id__in=list(commitments)).prefetch_related(
                "supporting_institutions", "co_lead_institutions"
            )
        }
        saved, new = {}, []
        many = ("supporting_institutions", "co_lead_institutions")
        for i, (ogp_id, data) in enumerate(commitments.items()):
            skip = ("line", "lead", "co_leads", "supporting", "member")
            values = {k: v for k, v in data.items() if k not in skip}
            values["lead_institution"] = real(data["lead"])
            values["municipality"] = members.get(data["member"], data["member"])
            values["action_plan"] = plan
            related = {
                "supporting_institutions": [real(o) for o in data["supporting"]],
                "co_lead_institutions": [real(o) for o in data["co_leads"]],
            }
            c = existing.get(ogp_id)
            if c is not None and layout == "ogp":
                # OGP's layout has no commitment dates (the plan's stand in for a new one's)
                # and one cell for the whole text: a commitment already here keeps its dates,
                # and its problem, objective and description while that cell is what they
                # make together (so our own OGP download imports back as a no-op).
                del values["starts_on"], values["ends_on"]
                if values["description"] == c.full_text:
                    del values["description"]
                else:
                    values.update(problem="", objective="")
            if c is None:
                c = Commitment(ogp_id=ogp_id, **values)
                new.append((c, related))
                report.created["commitments"] += 1
            else:
                changed = _set(c, values)
                if changed:
                    c.save(update_fields=changed)
                for name in many:
                    if set(getattr(c, name).all()) != set(related[name]):
                        getattr(c, name).set(related[name])
                        changed.append(name)
                report.updated["commitments"] += bool(changed)
                report.unchanged["commitments"] += not changed
            saved[ogp_id] = c
            if progress:
                progress(i + 1, len(commitments) + len(milestones))
        # New rows go in bulk: a first import of a long plan is mostly inserts.
        Commitment.objects.bulk_create([c for c, _related in new], batch_size=1000)
        for name in many:
            through = getattr(Commitment, name).through
            through.objects.bulk_create(
                [
                    through(commitment=c, organisation=o)
                    for c, related in new
                    for o in dict.fromkeys(related[name])
                ],
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
            values = {k: v for k, v in data.items() if k not in ("line", "original_due_on")}
            m = current.get((ogp_id, number))
            if m is None:
                m = Milestone(commitment=saved[ogp_id], number=number, **values)
                # The date first published, when the file says it was moved since.
                first = data.get("original_due_on")
                m.original_due_on = first if first and first != m.due_on else None
                fresh.append(services.assess_new(m, now=now, stale_after_days=stale_after_days))
                report.created["milestones"] += 1
            elif services.revise_milestone(milestone=m, changes=values, now=now, actor=user):
                report.updated["milestones"] += 1
            else:
                report.unchanged["milestones"] += 1
            if progress:
                progress(len(commitments) + j + 1, len(commitments) + len(milestones))
        Milestone.objects.bulk_create(fresh, batch_size=1000)
        # Decided: whoever imports a commitment owns it, even under an id the demo used, so
        # `seed_demo` (which touches only its own rows) never changes or deletes it again.
        Commitment.objects.filter(pk__in=[c.pk for c in saved.values()], is_demo=True).update(
            is_demo=False
        )
        invalidate_public_pages()
    return report


def import_plan(data, *, state, now, user=None, progress=None, create_institutions=False):
    """Reads, validates and (if clean) writes a file; raises InvalidFile otherwise.

    With `create_institutions`, the institutions the file names and the database lacks are
    created (as government agencies unless its `institution_kinds` column says otherwise,
    each marked to be reviewed), in the import's transaction, if nothing else is wrong.
    """
    header, rows = read(data)
    validated = validate(state, header, rows, create_institutions=create_institutions)
    report = apply(state, validated, user=user, now=now, progress=progress)
    report.rows = len(rows)
    return report
