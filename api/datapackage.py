"""What describes the downloads for a machine: a Frictionless Data Package
(/datos/datapackage.json) with a table schema for each national CSV, and a DCAT catalogue in
JSON-LD (/datos/catalogo.jsonld) that portals such as datos.gob.mx harvest (CKAN's
ckanext-dcat RDF harvester reads it with RDFLib).

Both are built from the CSV writers' own definitions in api/exports.py (the columns of each
download, their descriptions, TYPES, CODES and PATTERNS) and commitments.csv_cells (how a
boolean is written), so a column added to a download appears here with no second list to
keep. Texts are in the language of the URL (Spanish at /datos/, English at /en/datos/); the
columns and codes are the same English identifiers in both.
"""

from django.urls import reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from commitments.csv_cells import FALSE, TRUE

from . import exports

LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
LICENCE = {"name": "CC-BY-4.0", "path": LICENCE_URL, "title": "Creative Commons Attribution 4.0"}
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json"}


def _description():
    return _(
        "Open Government Partnership commitments of Mexican states: action plans, "
        "commitments, milestones with their traffic light computed from due dates and "
        "evidence, reschedules and disputes. Each state's files (/datos/<slug>/...) have the "
        "same columns."
    )


def _datasets():
    """Name, title, description, columns, own descriptions and keys of each CSV download,
    in the order of the /datos/ page. Every entry of downloads.DATASETS has one (a test says
    so)."""
    milestone = {"fields": ["milestone_id"], "reference": {"resource": "hitos", "fields": ["id"]}}
    commitment = {
        "fields": ["ogp_id"],
        "reference": {"resource": "compromisos", "fields": ["ogp_id"]},
    }
    return [
        {
            "name": "compromisos",
            "title": _("Commitments"),
            "description": _(
                "The commitments of the state action plans, with their milestone counts, "
                "traffic lights and IRM assessment."
            ),
            "columns": exports.COMMITMENT_COLUMNS,
            "primaryKey": ["ogp_id"],
            "foreignKeys": [],
        },
        {
            "name": "hitos",
            "title": _("Milestones"),
            "description": _(
                "The milestones of every commitment, with the status the government reported, "
                "their traffic light and its reason, and how late they are."
            ),
            "columns": exports.MILESTONE_COLUMNS,
            "primaryKey": ["id"],
            "foreignKeys": [commitment],
        },
        {
            "name": "compromisos-ogp",
            "title": _("OGP layout"),
            "description": _(
                "The same commitments in the columns of OGP's own commitment data sheets."
            ),
            "columns": exports.OGP_COLUMNS,
            "primaryKey": ["Commitment Unique Identifier"],
            "foreignKeys": [
                {
                    "fields": ["Commitment Unique Identifier"],
                    "reference": {"resource": "compromisos", "fields": ["ogp_id"]},
                }
            ],
        },
        {
            "name": "reprogramaciones",
            "title": pgettext("downloads", "Reschedules"),
            "description": _("Every move of a milestone's due date, one row per move."),
            "columns": exports.RESCHEDULE_COLUMNS,
            "own": exports.RESCHEDULE_DESCRIPTIONS,
            "primaryKey": ["milestone_id", "reschedule_number"],
            "foreignKeys": [milestone, commitment],
        },
        {
            "name": "disputas",
            "title": pgettext("downloads", "Disputes"),
            "description": _(
                "Every message of each dispute of a reported status, one row per message."
            ),
            "columns": exports.DISPUTE_COLUMNS,
            "own": exports.DISPUTE_DESCRIPTIONS,
            "primaryKey": ["dispute_id", "message_number"],
            "foreignKeys": [milestone, commitment],
        },
        {
            "name": "clasificaciones",
            "title": _("Rankings over time"),
            "description": _(
                "Every day's figures of each state and each lead institution (red, yellow, "
                "green, overdue, completed, their shares and rank), kept once a day and never "
                "changed."
            ),
            "columns": exports.RANKING_COLUMNS,
            "own": exports.RANKING_DESCRIPTIONS,
            "primaryKey": ["date", "kind", "object_id"],
            "foreignKeys": [],
        },
    ]


def _field(column, own):
    field = {"name": column, "type": exports.TYPES.get(column, "string")}
    description = own.get(column) or exports.DESCRIPTIONS.get(column)
    if description:
        field["description"] = str(description)
    if field["type"] == "boolean":
        field.update(trueValues=[TRUE], falseValues=[FALSE])
    constraints = {}
    if column in exports.CODES:
        model, name = exports.CODES[column]
        constraints["enum"] = [value for value, _label in model._meta.get_field(name).choices]
    if column in exports.PATTERNS:
        constraints["pattern"] = exports.PATTERNS[column]
    if column in exports.URL_COLUMNS:
        field["format"] = "uri"
    if constraints:
        field["constraints"] = constraints
    return field


def _schema(dataset):
    own = dataset.get("own") or {}
    fields = [_field(column, own) for column in dataset["columns"]]
    for key in dataset["primaryKey"]:
        field = next(f for f in fields if f["name"] == key)
        field.setdefault("constraints", {})["required"] = True
    return {
        "fields": fields,
        "primaryKey": dataset["primaryKey"],
        "foreignKeys": dataset["foreignKeys"],
        "missingValues": [""],
    }


def _download_url(base_url, name, fmt, state=None):
    if state is not None:
        return base_url + reverse("api:state-download", args=[state.slug, name, fmt])
    return base_url + reverse("api:download", args=[name, fmt])


def datapackage(base_url, state=None):
    """The Data Package descriptor of the national CSV downloads, or of one state's (the same
    files and schemas, its rows only), with absolute paths."""
    resources = [
        {
            "name": dataset["name"],
            "path": _download_url(base_url, dataset["name"], "csv", state),
            "title": str(dataset["title"]),
            "description": str(dataset["description"]),
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "header": True},
            "licenses": [LICENCE],
            "schema": _schema(dataset),
        }
        for dataset in _datasets()
    ]
    if state is not None:
        return {
            "profile": "tabular-data-package",
            "name": f"ogp-tracker-{state.slug}",
            "title": f"OGP Tracker: {state.name}",
            "description": _(
                "Open Government Partnership commitments of %(state)s: its action plans, "
                "commitments, milestones with their traffic light computed from due dates and "
                "evidence, reschedules and disputes. The national files (/datos/) have the "
                "same columns."
            )
            % {"state": state.name},
            "homepage": base_url + state.get_absolute_url(),
            "licenses": [LICENCE],
            "keywords": [*_keywords(), state.name],
            "resources": resources,
        }
    return {
        "profile": "tabular-data-package",
        "name": "ogp-tracker",
        "title": "OGP Tracker",
        "description": _description(),
        "homepage": base_url + reverse("open-data"),
        "licenses": [LICENCE],
        "keywords": _keywords(),
        "resources": resources,
    }


def _keywords():
    return [_("open government"), "OGP", _("action plans"), _("commitments"), "México"]


def catalogue(base_url):
    """The DCAT catalogue (JSON-LD, its context inline: a harvester fetches nothing else)."""
    home = base_url + reverse("open-data")
    licence = {"@id": LICENCE_URL}
    publisher = {
        "@id": home + "#publisher",
        "@type": "foaf:Organization",
        "foaf:name": "OGP Tracker",
    }
    datasets = []
    for dataset in _datasets():
        name = dataset["name"]
        formats = ["csv"] if name == "compromisos-ogp" else ["csv", "json"]
        distributions = [
            {
                "@id": _download_url(base_url, name, fmt),
                "@type": "dcat:Distribution",
                "dct:title": f"{dataset['title']} ({fmt.upper()})",
                "dct:format": fmt.upper(),
                "dcat:mediaType": MEDIA_TYPES[fmt],
                "dcat:accessURL": {"@id": _download_url(base_url, name, fmt)},
                "dcat:downloadURL": {"@id": _download_url(base_url, name, fmt)},
                "dct:license": licence,
                **(
                    {"dct:conformsTo": {"@id": base_url + reverse("datapackage")}}
                    if fmt == "csv"
                    else {}
                ),
            }
            for fmt in formats
        ]
        datasets.append(
            {
                "@id": f"{home}#{name}",
                "@type": "dcat:Dataset",
                "dct:identifier": f"ogp-tracker-{name}",
                "dct:title": str(dataset["title"]),
                "dct:description": str(dataset["description"]),
                "dcat:keyword": [str(k) for k in _keywords()],
                "dct:publisher": publisher,
                "dct:license": licence,
                "dct:spatial": {"@id": "https://sws.geonames.org/3996063/"},  # Mexico
                "dcat:landingPage": {"@id": home},
                "dcat:distribution": distributions,
            }
        )
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "@language": get_language().split("-")[0],
        },
        "@id": base_url + reverse("dcat-catalogue"),
        "@type": "dcat:Catalog",
        "dct:title": "OGP Tracker",
        "dct:description": _description(),
        "dct:publisher": publisher,
        "dct:license": licence,
        "foaf:homepage": {"@id": home},
        "dcat:dataset": datasets,
    }
