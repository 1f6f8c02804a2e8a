"""The four OGP values are listed once (commitments.models.OGP_VALUES); every door reads it."""

import pytest
from django.db import models
from django.utils import translation

from api.exports import COMMITMENT_COLUMNS, OGP_COLUMNS
from commitments.admin import CommitmentAdmin
from commitments.importer import OGP_VALUES as OGP_VALUE_COLUMNS
from commitments.importer import OURS
from commitments.models import OGP_VALUE_FIELDS, Commitment


def test_the_list_names_exactly_the_models_value_fields():
    flags = {
        f.name
        for f in Commitment._meta.get_fields()
        if isinstance(f, models.BooleanField) and f.name not in {"is_illustrative", "is_demo"}
    }
    assert set(OGP_VALUE_FIELDS) == flags and len(OGP_VALUE_FIELDS) == 4


def test_every_layout_carries_each_value_once():
    for columns in (OURS, COMMITMENT_COLUMNS):
        assert [c for c in columns if c in OGP_VALUE_FIELDS] == list(OGP_VALUE_FIELDS)
    assert list(OGP_VALUE_COLUMNS.values()) == list(OGP_VALUE_FIELDS)
    assert set(OGP_VALUE_COLUMNS) <= set(OGP_COLUMNS)
    admin_sets = [o["fields"] for _, o in CommitmentAdmin.fieldsets]
    assert [tuple(s) for s in admin_sets if "civic_participation" in s] == [OGP_VALUE_FIELDS]


@pytest.mark.django_db
def test_the_api_and_the_page_show_the_values_set(client):
    from tests import factories as f

    state = f.state()
    c = f.commitment(f.action_plan(state), f.organisation(state), civic_participation=True)
    body = client.get(f"/api/v1/commitments/{c.ogp_id}/").json()
    assert body["ogp_values"] == {name: name == "civic_participation" for name in OGP_VALUE_FIELDS}
    with translation.override("en"):
        assert [str(v) for v in c.ogp_values] == ["civic participation"]
