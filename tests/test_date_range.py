"""Dates between 1990-01-01 and 2100-12-31, with the reason in the error, in every form: the
panel, the write API (the panel's forms), the admin and the importer (tests/
test_import_hostile.py). `completed_on=0001-01-01` through the API made the state page 28
times slower; a due date of 9999-12-31 made its milestone's pages answer 500."""

import datetime as dt
import json

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import translation

from commitments.models import ActionPlan, Commitment, Milestone, StatusUpdate
from commitments.validators import EARLIEST, LATEST, validate_date_in_range
from states.models import State
from tests.panel.conftest import milestone, user
from tests.panel.test_api_write import status_body, token_for

pytestmark = pytest.mark.django_db
ONE_DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        (EARLIEST, True),
        (LATEST, True),
        (EARLIEST - ONE_DAY, False),
        (LATEST + ONE_DAY, False),
        (dt.date.min, False),
        (dt.date.max, False),
        (dt.datetime(2101, 1, 1, 0, 0), False),
    ],
)
def test_the_range_and_its_edges(value, accepted):
    if accepted:
        validate_date_in_range(value)
        return
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        validate_date_in_range(value)
    assert refused.value.messages == [
        f"{value.isoformat()[:10]} is outside the dates accepted (Jan. 1, 1990 to Dec. 31, "
        "2100): no action plan reaches that far, so it is most likely a typing error."
    ]


@pytest.fixture
def gto(demo):
    return milestone("MXGTO9004", 2)


def _state(m):
    fresh = Milestone.objects.get(pk=m.pk)
    return fresh.version, fresh.status, StatusUpdate.objects.filter(milestone=m).count()


@pytest.mark.parametrize(
    ("field", "value", "language", "words"),
    [
        ("completed_on", "0001-01-01", "es", "0001-01-01 está fuera de las fechas aceptadas"),
        ("completed_on", "0001-01-01", "en", "outside the dates accepted"),
        ("started_on", "9999-12-31", "es", "seguramente es un error de captura"),
        ("started_on", "1989-12-31", "en", "1989-12-31 is outside"),
    ],
)
def test_the_api_refuses_a_date_out_of_range_and_says_why(
    client, gto, field, value, language, words
):
    body = status_body(gto, status="completed", progress=100, **{field: value})
    before = _state(gto)
    response = client.post(
        f"/api/v1/milestones/{gto.pk}/status/",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token_for('oficial.guanajuato')}",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert any(words in message for message in response.json()["fields"][field])
    assert _state(gto) == before


def test_the_panel_refuses_a_completion_in_year_1(client, gto):
    client.force_login(user("oficial.guanajuato"))
    before = _state(gto)
    response = client.post(
        f"/panel/hitos/{gto.pk}/estatus/",
        {
            "status-version": gto.version,
            "status-status": "in_progress",
            "status-progress": 50,
            "status-note": "Avance",
            "status-started_on": "0001-01-01",
        },
    )
    assert response.status_code == 400
    assert "0001-01-01 está fuera de las fechas aceptadas" in response.content.decode()
    assert _state(gto) == before


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (ActionPlan, ["starts_on", "ends_on"]),
        (Commitment, ["starts_on", "ends_on"]),
        (Milestone, ["starts_on", "due_on"]),
    ],
)
def test_every_date_of_the_admin_forms_checks_the_range(staff, model, fields):
    request = RequestFactory().get("/admin/")
    request.user = staff
    model_admin = admin.site._registry[model]
    obj = model.objects.first()
    form_class = model_admin.get_form(request, obj)
    for name in fields:
        field = form_class.base_fields[name]
        assert field.clean("2027-06-30") == dt.date(2027, 6, 30)
        with pytest.raises(ValidationError, match="9999-12-31 está fuera de las fechas"):
            field.clean("9999-12-31")


def test_the_admin_inlines_check_the_range_too(staff):
    request = RequestFactory().get("/admin/")
    request.user = staff
    inlines = [*admin.site._registry[Commitment].get_inline_instances(request)]
    inlines += admin.site._registry[State].get_inline_instances(request)
    dated = 0
    for inline in inlines:
        formset = inline.get_formset(request)
        for field in formset.form.base_fields.values():
            if isinstance(field, forms.DateField):
                dated += 1
                with pytest.raises(ValidationError, match="fuera de las fechas"):
                    field.clean("0001-01-01")
    assert dated >= 3  # milestones' start and due dates, the transparency body's term


def test_the_admin_refuses_a_due_date_of_9999_on_save(client, staff, gto):
    client.force_login(staff)
    page = client.get(f"/admin/commitments/milestone/{gto.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"due_on": "9999-12-31"})
    data = {k: v for k, v in data.items() if v is not None}
    response = client.post(f"/admin/commitments/milestone/{gto.pk}/change/", data)
    assert response.status_code == 200  # the form again, with its error
    assert "9999-12-31 está fuera de las fechas aceptadas" in response.content.decode()
    assert Milestone.objects.get(pk=gto.pk).due_on == gto.due_on
