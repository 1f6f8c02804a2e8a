"""Migrations must not lock busy tables for long on a live PostgreSQL database.

Every migration written after the first release is turned into its SQL (as `sqlmigrate`
prints it) and checked: on a table that already exists and can be large, no statement may
rewrite the table or scan it under a lock that blocks writes. The safe forms are in the
README ("Changing the database schema"); a migration that truly needs one of these must do it
in steps there described and be added to REVIEWED with the reason.
"""

import re

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader

OUR_APPS = {"accounts", "alerts", "commitments", "ops", "states", "transparency"}

# Written before the first release, when every table was empty: nothing to lock.
FIRST_RELEASE = {
    ("accounts", "0001_initial"),
    ("accounts", "0002_language_names"),
    ("accounts", "0003_invitation"),
    ("accounts", "0004_api_tokens"),
    ("alerts", "0001_initial"),
    ("alerts", "0002_language_names"),
    ("commitments", "0001_initial"),
    ("commitments", "0002_traffic_light"),
    ("commitments", "0003_search"),
    ("commitments", "0004_contributor_workflows"),
    ("ops", "0001_initial"),
    ("states", "0001_initial"),
}
# Later migrations allowed a risky statement, each with the reason it is safe.
REVIEWED = {}

# The tables that grow with use (one row per milestone, evidence, change or notice).
LARGE_TABLES = {
    "commitments_milestone",
    "commitments_transition",
    "commitments_historyentry",
    "commitments_evidence",
    "commitments_statusupdate",
    "commitments_verification",
    "commitments_commitment",
    "alerts_notification",
    "alerts_follow",
}

RISKY = [
    (re.compile(r"ALTER COLUMN \S+ TYPE", re.I), "changes a column's type (rewrites the table)"),
    (re.compile(r"ALTER COLUMN \S+ SET NOT NULL", re.I), "SET NOT NULL scans the table locked"),
    (
        re.compile(r"ADD CONSTRAINT(?!.*NOT VALID).*(CHECK|FOREIGN KEY|UNIQUE)", re.I),
        "a constraint validated at once scans the table locked (add it NOT VALID, then VALIDATE)",
    ),
    (
        re.compile(r"CREATE (UNIQUE )?INDEX(?! CONCURRENTLY)", re.I),
        "an index built without CONCURRENTLY blocks writes (use AddIndexConcurrently)",
    ),
    (re.compile(r"ADD COLUMN .* DEFAULT .*\(\)", re.I), "a volatile default rewrites the table"),
    (re.compile(r"\bVACUUM FULL\b|\bCLUSTER\b", re.I), "rewrites the table under lock"),
]
TABLE = re.compile(r'(?:ALTER TABLE|ON|INTO|UPDATE)\s+"?(\w+)"?', re.I)
CREATED = re.compile(r'CREATE TABLE\s+"?(\w+)"?', re.I)


def statements(loader, app_label, name):
    """The SQL a migration runs, as sqlmigrate prints it."""
    migration = loader.get_migration(app_label, name)
    state = loader.project_state((app_label, name), at_end=False)
    with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
        migration.apply(state, editor, collect_sql=True)
    return [s for s in editor.collected_sql if not s.startswith("--")]


def problems(sql):
    created = {m.group(1) for s in sql for m in CREATED.finditer(s)}
    found = []
    for statement in sql:
        tables = {m.group(1) for m in TABLE.finditer(statement)} - created
        if not tables & LARGE_TABLES:
            continue
        for pattern, why in RISKY:
            if pattern.search(statement):
                found.append(f"{why}: {statement[:160]}")
    return found


@pytest.mark.django_db
def test_no_later_migration_locks_a_large_table():
    if connection.vendor != "postgresql":
        pytest.skip("the locks in question are PostgreSQL's")
    loader = MigrationLoader(connection)
    later = sorted(k for k in loader.disk_migrations if k[0] in OUR_APPS)
    later = [k for k in later if k not in FIRST_RELEASE]
    found = {key: problems(statements(loader, *key)) for key in later if key not in REVIEWED}
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.django_db
def test_the_check_catches_the_statements_it_is_for():
    """The check itself: the unsafe forms of common changes to a large table are caught,
    the safe forms are not (so the test above can fail)."""
    if connection.vendor != "postgresql":
        pytest.skip("the locks in question are PostgreSQL's")
    from django.db import models

    milestone = apps.get_model("commitments", "Milestone")
    with connection.schema_editor(collect_sql=True) as editor:
        field = models.CharField(max_length=40, default="", db_index=True)
        field.set_attributes_from_name("nickname")
        editor.add_field(milestone, field)
        editor.add_index(milestone, models.Index(fields=["due_on", "status"], name="m_due_st"))
        old = milestone._meta.get_field("status")
        new = models.TextField()
        new.set_attributes_from_name("status")
        editor.alter_field(milestone, old, new)
    unsafe = problems([s for s in editor.collected_sql if not s.startswith("--")])
    assert any("CONCURRENTLY" in p for p in unsafe)
    assert any("column's type" in p for p in unsafe)

    safe = [
        'CREATE INDEX CONCURRENTLY "m_due_st" ON "commitments_milestone" ("due_on", "status")',
        'ALTER TABLE "commitments_milestone" ADD COLUMN "nickname" varchar(40) NULL',
        'ALTER TABLE "commitments_milestone" ADD CONSTRAINT "x" CHECK ("progress" <= 100) '
        "NOT VALID",
        'CREATE TABLE "ops_new" ("id" bigint NOT NULL PRIMARY KEY)',
        'CREATE INDEX "ops_new_x" ON "ops_new" ("id")',
    ]
    assert problems(safe) == []
