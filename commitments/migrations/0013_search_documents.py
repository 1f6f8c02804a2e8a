"""Stored search documents on PostgreSQL (nothing to do on other databases).

The search read `to_tsvector()` of every commitment's texts and its lead institution's name
at each query: half a second for the 1,280 commitments of national data, twice per page (the
count and the page). Each commitment and each institution now keeps its tsvector in a column
PostgreSQL generates from the row itself (`GENERATED ALWAYS ... STORED`), so it is right after
every write, whatever writes (services, importer, admin, restore), with nothing to call. The
columns are not fields of the models: Django never writes them; `commitments.search` reads
them. The expressions are search.FIELDS and the institution's name and acronym, in that order.
"""

from django.db import migrations


def _document(columns):
    return " || ' ' || ".join(f"COALESCE({c}, '')" for c in columns)


COMMITMENT_COLUMNS = (
    "ogp_id", "title", "short_title", "description", "problem", "objective", "theme",
)  # fmt: skip
INSTITUTION_COLUMNS = ("name", "acronym")

FORWARD = [
    f"""ALTER TABLE {table} ADD COLUMN search_document tsvector
        GENERATED ALWAYS AS (to_tsvector('spanish_unaccent'::regconfig, {_document(cols)}))
        STORED"""
    for table, cols in (
        ("commitments_commitment", COMMITMENT_COLUMNS),
        ("states_organisation", INSTITUTION_COLUMNS),
    )
]
BACKWARD = [
    "ALTER TABLE commitments_commitment DROP COLUMN IF EXISTS search_document",
    "ALTER TABLE states_organisation DROP COLUMN IF EXISTS search_document",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0012_link_archives"),
        ("states", "0005_scope_of_officials"),
    ]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
