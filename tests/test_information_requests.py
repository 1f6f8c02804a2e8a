"""Information requests (transparency/): Mexico's business days, which milestones a request
fits, who may file one, the panel's draft → filed → answered flow, the public line and the
API field. Every date is fixed or passed in; nothing reads the clock."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from commitments import services as commitment_services
from commitments.models import Light
from states.models import Membership, Organisation
from tests import factories
from tests.clock import TODAY
from transparency import business_days as bd
from transparency import rules, services
from transparency.models import InformationRequest

D = dt.date


# --- Business days -------------------------------------------------------------------------


def test_rest_days_of_ley_federal_del_trabajo_art_74():
    assert bd.official_rest_days(2026) == {
        D(2026, 1, 1),
        D(2026, 2, 2),  # first Monday of February
        D(2026, 3, 16),  # third Monday of March
        D(2026, 5, 1),
        D(2026, 9, 16),
        D(2026, 11, 16),  # third Monday of November
        D(2026, 12, 25),
    }


@pytest.mark.parametrize(
    ("year", "has_1_october"),
    [(2024, True), (2025, False), (2029, False), (2030, True), (2036, True), (2018, False)],
)
def test_1_october_only_when_the_federal_executive_changes(year, has_1_october):
    assert (D(year, 10, 1) in bd.official_rest_days(year)) is has_1_october


def test_2030_1_october_is_not_a_business_day():
    assert D(2030, 10, 1).weekday() == 1  # a Tuesday
    assert not bd.is_business_day(D(2030, 10, 1))
    assert bd.is_business_day(D(2031, 10, 1))  # a Wednesday, no change of executive
    # Monday 30 Sep 2030 → Wednesday 2 Oct: one business day (the Tuesday is off).
    assert bd.business_days_between(D(2030, 9, 30), D(2030, 10, 2)) == 1


def test_across_the_year_end():
    # Friday 18 Dec 2026 to Friday 8 Jan 2027: 15 weekdays, minus 25 Dec and 1 Jan.
    assert bd.business_days_between(D(2026, 12, 18), D(2027, 1, 8)) == 13
    # The 15th business day after 18 Dec 2026.
    assert bd.add_business_days(D(2026, 12, 18), 15) == D(2027, 1, 12)


def test_weekends_and_a_monday_holiday():
    # Friday 13 Nov 2026 → Tuesday 17 Nov: Monday 16 Nov (Revolution day) is off.
    assert bd.business_days_between(D(2026, 11, 13), D(2026, 11, 17)) == 1
    assert bd.next_business_day(D(2026, 11, 14)) == D(2026, 11, 17)


def test_extra_days_off_from_the_setting(settings):
    holy_thursday, holy_friday = D(2026, 4, 2), D(2026, 4, 3)
    assert bd.business_days_between(D(2026, 3, 31), D(2026, 4, 6)) == 4
    settings.INFORMATION_REQUEST_NON_WORKING_DAYS = [holy_thursday, holy_friday]
    assert bd.business_days_between(D(2026, 3, 31), D(2026, 4, 6)) == 2
    assert not bd.is_business_day(holy_friday)


def test_a_bad_setting_stops_the_start(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from ogptracker.settings import _iso_dates

    name = "INFORMATION_REQUEST_NON_WORKING_DAYS"
    monkeypatch.setenv(name, "2026-04-02,jueves santo")
    with pytest.raises(ImproperlyConfigured, match="ISO dates"):
        _iso_dates(name)
    monkeypatch.setenv(name, "2026-04-03, 2026-04-02,")
    assert _iso_dates(name) == [D(2026, 4, 2), D(2026, 4, 3)]


days = st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31))


@given(days, st.integers(min_value=0, max_value=800))
def test_counting_agrees_with_a_day_by_day_count(start, span):
    end = start + dt.timedelta(days=span)
    slow = sum(
        1 for i in range(1, span + 1) if bd.is_business_day(start + dt.timedelta(days=i), set())
    )
    assert bd.business_days_between(start, end, set()) == slow


@given(days, st.integers(min_value=1, max_value=60))
def test_the_nth_business_day_is_n_business_days_away(start, n):
    last = bd.add_business_days(start, n, set())
    assert bd.is_business_day(last, set())
    assert bd.business_days_between(start, last, set()) == n
    assert bd.business_days_between(start, last - dt.timedelta(days=1), set()) == n - 1


# --- The people and the milestone ------------------------------------------------------------


NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    # The services' on-commit work (the page cache's bump) runs here, not left pending.
    with django_capture_on_commit_callbacks(execute=True):
        return _world()


def _world():
    state = factories.state()
    lead = factories.organisation(state, name="Secretaría de Movilidad")
    cso = factories.organisation(state, kind=Organisation.Kind.CSO, name="Ciudadanía Activa")
    other_cso = factories.organisation(state, kind=Organisation.Kind.CSO, name="Otra OSC")
    plan = factories.action_plan(state, title="Plan de Acción Local 2025-2026")
    commitment = factories.commitment(plan, lead, title="Datos abiertos de movilidad")
    red = factories.milestone(
        commitment, title="Publicar el padrón de rutas", due_on=D(2026, 3, 31), now=NOW
    )
    users = get_user_model().objects
    people = {}
    for name, org, role in [
        ("cso", cso, Membership.Role.CSO),
        ("other", other_cso, Membership.Role.CSO),
        ("official", lead, Membership.Role.OFFICIAL),
    ]:
        people[name] = users.create_user(name, f"{name}@example.org", "x")
        Membership.objects.create(user=people[name], state=state, organisation=org, role=role)
    return {
        "state": state,
        "lead": lead,
        "cso": cso,
        "commitment": commitment,
        "red": red,
        "people": people,
        "membership": Membership.objects.get(user=people["cso"]),
        "other": Membership.objects.get(user=people["other"]),
        "official": Membership.objects.get(user=people["official"]),
    }


def filed(world, *, filed_on, folio="330026526000123", answered_on=None):
    item = services.draft(milestone=world["red"], membership=world["membership"], now=NOW)
    item = services.record_filing(
        information_request=item,
        membership=world["membership"],
        folio=folio,
        filed_on=filed_on,
        now=NOW,
    )
    if answered_on:
        item = services.record_answer(
            information_request=item,
            membership=world["membership"],
            answered_on=answered_on,
            now=NOW,
        )
    return item


# --- Eligibility and the text ----------------------------------------------------------------


def test_a_red_milestone_without_government_evidence_is_eligible(world):
    assert world["red"].signal == Light.RED
    assert rules.refusal(world["red"]) is None


def test_not_red_is_refused(world):
    green = factories.milestone(world["commitment"], due_on=D(2027, 6, 30), now=NOW)
    assert green.signal != Light.RED
    assert "rojo" in rules.refusal(green) or "red" in rules.refusal(green)
    with pytest.raises(ValidationError):
        services.draft(milestone=green, membership=world["membership"], now=NOW)
    assert not InformationRequest.objects.exists()


def test_government_evidence_makes_it_ineligible_until_retracted(
    world, django_capture_on_commit_callbacks
):
    red, official = world["red"], world["official"]
    with django_capture_on_commit_callbacks(execute=True):
        evidence = commitment_services.add_link_evidence(
            milestone=red,
            membership=official,
            url="https://example.org/padron.pdf",
            title="Padrón",
            now=NOW,
        )
    red.refresh_from_db()
    assert red.signal == Light.RED  # overdue: evidence alone does not complete it
    assert "evidencia" in rules.refusal(red) or "evidence" in rules.refusal(red)
    assert not rules.is_eligible(red)
    with django_capture_on_commit_callbacks(execute=True):
        commitment_services.retract_evidence(
            evidence=evidence, membership=official, reason="Otro hito", now=NOW
        )
    red.refresh_from_db()
    assert not rules.government_evidence(red).exists()
    assert rules.is_eligible(red)


def test_civil_society_evidence_does_not_count(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        commitment_services.add_link_evidence(
            milestone=world["red"],
            membership=world["membership"],
            url="https://example.org/foto.jpg",
            title="Foto de la obra",
            now=NOW,
        )
    world["red"].refresh_from_db()
    assert world["red"].signal == Light.RED
    assert rules.refusal(world["red"]) is None


def test_the_text_cites_commitment_milestone_and_due_date_in_spanish(world, settings):
    settings.SITE_URL = "https://ogp.example.org"
    item = services.draft(milestone=world["red"], membership=world["membership"], now=NOW)
    c = world["commitment"]
    assert item.addressee == "Unidad de Transparencia de la Secretaría de Movilidad"
    assert item.text.startswith("Unidad de Transparencia de la Secretaría de Movilidad\n")
    assert "a cargo de la Secretaría de Movilidad." in item.text
    for part in (
        "artículo 6o. de la Constitución",
        "Plan de Acción Local 2025-2026",
        world["state"].name,
        f"{c.ogp_id} «Datos abiertos de movilidad»",
        f"{c.ogp_id}.{world['red'].number} «Publicar el padrón de rutas»",
        "31 de marzo de 2026",
        f"https://ogp.example.org/compromisos/{c.ogp_id}/",
        "Ciudadanía Activa",
    ):
        assert part in item.text, part
    assert item.folio == "" and item.filed_on is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Secretaría de la Honestidad", "de la Secretaría de la Honestidad"),
        ("Instituto Estatal Electoral", "del Instituto Estatal Electoral"),
        ("Kybernus", "de Kybernus"),
    ],
)
def test_the_article_before_an_institution(name, expected):
    assert services.of(name) == expected


def test_the_addressee_follows_a_successor(world):
    successor = factories.organisation(world["state"], name="Secretaría de la Honestidad")
    world["lead"].successor = successor
    world["lead"].save()
    world["red"].refresh_from_db()
    assert "Secretaría de la Honestidad" in services.default_addressee(world["red"])


def test_officials_may_not_draft(world):
    from commitments.permissions import has_perm

    assert has_perm(world["people"]["cso"], "information_request:write", world["red"])
    assert not has_perm(world["people"]["official"], "information_request:write", world["red"])
    with pytest.raises(ValidationError):
        services.draft(milestone=world["red"], membership=world["official"], now=NOW)


def test_another_organisation_cannot_file_it(world):
    item = services.draft(milestone=world["red"], membership=world["membership"], now=NOW)
    with pytest.raises(ValidationError):
        services.record_filing(
            information_request=item,
            membership=world["other"],
            folio="1",
            filed_on=D(2026, 10, 1),
            now=NOW,
        )


# --- Filing, answer and the public line ------------------------------------------------------


def test_line_while_waiting(world):
    item = filed(world, filed_on=D(2026, 10, 12))  # a Monday
    # Business days 13 Oct .. 2 Nov 2026: three weeks, no holiday.
    s = rules.standing(item, today=D(2026, 10, 30))
    assert (s.elapsed, s.overdue, s.deadline_on) == (14, False, D(2026, 11, 2))
    from django.utils import translation

    with translation.override("es-mx"):
        line = rules.public_line(item, today=D(2026, 10, 30))
    assert line == (
        "Solicitud de información presentada el 12 de octubre de 2026, folio 330026526000123 "
        "(sin respuesta, 14 días hábiles; plazo legal: 2 de noviembre de 2026)."
    )


def test_line_past_the_deadline(world):
    from django.utils import translation

    item = filed(world, filed_on=D(2026, 10, 12))
    # 13 Oct .. 17 Nov: 26 weekdays, minus Monday 16 Nov (Revolution day).
    s = rules.standing(item, today=D(2026, 11, 17))
    assert s.elapsed == 25 and s.overdue and s.overdue_by == 10
    with translation.override("es-mx"):
        line = rules.public_line(item, today=D(2026, 11, 17))
    assert "sin respuesta, 25 días hábiles" in line
    assert "el plazo legal de 15 días hábiles venció hace 10 días hábiles" in line


def test_line_when_answered(world):
    from django.utils import translation

    item = filed(world, filed_on=D(2026, 10, 12), answered_on=D(2026, 10, 26))
    with translation.override("es-mx"):
        line = rules.public_line(item, today=D(2027, 5, 1))
    assert line == (
        "Solicitud de información presentada el 12 de octubre de 2026, folio 330026526000123: "
        "respondida el 26 de octubre de 2026."
    )


def test_the_deadline_is_a_setting(world, settings):
    settings.INFORMATION_REQUEST_DEADLINE_BUSINESS_DAYS = 10
    item = filed(world, filed_on=D(2026, 10, 12))
    s = rules.standing(item, today=D(2026, 10, 30))
    assert s.deadline_days == 10 and s.overdue and s.overdue_by == 4


# After every date the extension tests record (NOW is 2 November 2026).
LATER = dt.datetime(2027, 1, 4, 10, 0, tzinfo=timezone.get_default_timezone())


def extend(world, item, extended_on):
    return services.record_extension(
        information_request=item, membership=world["membership"], extended_on=extended_on,
        now=LATER,
    )  # fmt: skip


def test_an_extension_within_the_deadline_adds_its_business_days(world):
    from django.utils import translation

    item = filed(world, filed_on=D(2026, 10, 12))  # ordinary deadline: Monday 2 Nov
    item = extend(world, item, D(2026, 11, 2))  # notified on its last day: it counts
    # 15 + 10 business days from 13 Oct, Monday 16 Nov (Revolution day) skipped: 17 Nov.
    s = rules.standing(item, today=D(2026, 11, 10))
    assert (s.deadline_days, s.deadline_on, s.overdue) == (25, D(2026, 11, 17), False)
    assert s.extension_counts and s.extended_on == D(2026, 11, 2)
    with translation.override("es-mx"):
        line = rules.public_line(item, today=D(2026, 11, 10))
    assert line == (
        "Solicitud de información presentada el 12 de octubre de 2026, folio 330026526000123 "
        "(sin respuesta, 21 días hábiles; ampliación del plazo notificada el 2 de noviembre de "
        "2026; plazo legal: 17 de noviembre de 2026)."
    )
    # Past the extended deadline it is overdue against 25 business days, not 15.
    s = rules.standing(item, today=D(2026, 11, 20))
    assert (s.elapsed, s.overdue, s.overdue_by) == (28, True, 3)
    with translation.override("es-mx"):
        line = rules.public_line(item, today=D(2026, 11, 20))
    assert "el plazo legal de 25 días hábiles venció hace 3 días hábiles" in line


def test_an_extension_notified_after_the_deadline_does_not_count(world):
    from django.utils import translation

    item = extend(world, filed(world, filed_on=D(2026, 10, 12)), D(2026, 11, 3))
    s = rules.standing(item, today=D(2026, 11, 10))
    assert (s.deadline_days, s.deadline_on, s.extension_counts) == (15, D(2026, 11, 2), False)
    assert s.overdue and s.overdue_by == 6
    with translation.override("es-mx"):
        line = rules.public_line(item, today=D(2026, 11, 10))
    assert (
        "una ampliación notificada el 3 de noviembre de 2026, después de vencido el plazo "
        "ordinario, por lo que no lo amplía" in line
    )
    assert "el plazo legal de 15 días hábiles venció hace 6 días hábiles" in line


def test_an_answer_within_the_extension_is_on_time(world):
    from django.utils import translation

    item = extend(world, filed(world, filed_on=D(2026, 10, 12)), D(2026, 10, 30))
    item = services.record_answer(
        information_request=item, membership=world["membership"], answered_on=D(2026, 11, 13),
        now=LATER,
    )  # fmt: skip
    s = rules.standing(item, today=D(2027, 1, 1))
    assert s.answered and not s.overdue
    with translation.override("es-mx"):
        line = rules.public_line(item, today=D(2027, 1, 1))
    assert line.endswith(
        ": respondida el 13 de noviembre de 2026 (ampliación del plazo notificada el 30 de "
        "octubre de 2026)."
    )


def translation_es():
    from django.utils import translation

    return translation.override("es-mx")


def test_extension_dates_are_checked_and_nothing_is_written(world):
    draft = services.draft(milestone=world["red"], membership=world["membership"], now=NOW)
    with pytest.raises(ValidationError, match="folio"):
        extend(world, draft, D(2026, 10, 20))
    item = filed(world, filed_on=D(2026, 10, 12), folio="9", answered_on=D(2026, 10, 26))
    for day, expected in [
        (D(2026, 10, 9), "antes de que se presentara"),
        (D(2026, 10, 27), "después de la respuesta"),
        (D(2099, 1, 1), "futuro"),
    ]:
        with translation_es(), pytest.raises(ValidationError, match=expected):
            extend(world, item, day)
    item.refresh_from_db()
    assert item.extended_on is None
    # Once recorded, the answer and a corrected filing cannot be moved around it.
    other = extend(world, filed(world, filed_on=D(2026, 10, 12), folio="10"), D(2026, 10, 20))
    with translation_es(), pytest.raises(ValidationError, match="antes de que se notificara"):
        services.record_answer(
            information_request=other, membership=world["membership"],
            answered_on=D(2026, 10, 19), now=LATER,
        )  # fmt: skip
    with translation_es(), pytest.raises(ValidationError, match="después de que se notificara"):
        services.record_filing(
            information_request=other, membership=world["membership"], folio="10",
            filed_on=D(2026, 10, 21), now=LATER,
        )  # fmt: skip
    other.refresh_from_db()
    assert (other.filed_on, other.answered_on) == (D(2026, 10, 12), None)


def test_the_database_refuses_an_extension_before_filing(world):
    from django.db import IntegrityError, transaction

    item = filed(world, filed_on=D(2026, 10, 12))
    with pytest.raises(IntegrityError), transaction.atomic():
        InformationRequest.objects.filter(pk=item.pk).update(extended_on=D(2026, 10, 1))


def test_panel_records_an_extension(world, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        item = filed(world, filed_on=D(2026, 10, 12))
    client.force_login(world["people"]["cso"])
    url = f"/panel/solicitudes/{item.pk}/"
    assert 'id="form-extension"' in client.get(url).content.decode()
    response = client.post(url + "ampliacion/", {"extension-extended_on": "2026-10-05"})
    assert response.status_code == 400
    assert 'id="error-summary"' in response.content.decode()
    assert "antes de que se presentara" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "ampliacion/", {"extension-extended_on": "2026-10-30"})
    assert response.status_code == 302 and response["Location"] == url
    item.refresh_from_db()
    assert item.extended_on == D(2026, 10, 30)
    public = client.get(world["commitment"].get_absolute_url()).content.decode()
    assert "ampliación del plazo notificada el 30 de octubre de 2026" in public
    row = client.get(f"/api/v1/milestones/{world['red'].pk}/").json()["information_requests"][0]
    assert (row["extended_on"], row["deadline_extended"]) == ("2026-10-30", True)
    assert (row["deadline_business_days"], row["deadline_on"]) == (25, "2026-11-17")
    # Another organisation's request is not theirs to extend.
    client.force_login(world["people"]["other"])
    assert (
        client.post(url + "ampliacion/", {"extension-extended_on": "2026-10-30"}).status_code == 404
    )


def withdraw(world, item, withdrawn_on):
    return services.withdraw(
        information_request=item, membership=world["membership"], withdrawn_on=withdrawn_on,
        now=LATER,
    )  # fmt: skip


def test_a_withdrawal_stops_the_count(world):
    item = withdraw(world, filed(world, filed_on=D(2026, 10, 12)), D(2026, 10, 30))
    # Withdrawn with 14 business days elapsed: it stays at 14, within the deadline, forever.
    s = rules.standing(item, today=D(2027, 6, 1))
    assert (s.elapsed, s.overdue, s.withdrawn) == (14, False, True)
    with translation_es():
        line = rules.public_line(item, today=D(2027, 6, 1))
    assert line == (
        "Solicitud de información presentada el 12 de octubre de 2026, folio 330026526000123: "
        "la organización desistió de ella el 30 de octubre de 2026, dentro del plazo legal."
    )


def test_a_withdrawal_past_the_deadline_says_so(world):
    item = withdraw(world, filed(world, filed_on=D(2026, 10, 12)), D(2026, 11, 17))
    s = rules.standing(item, today=D(2027, 6, 1))
    assert (s.elapsed, s.overdue, s.overdue_by) == (25, True, 10)
    with translation_es():
        line = rules.public_line(item, today=D(2027, 6, 1))
    assert line.endswith(
        ": la organización desistió de ella el 17 de noviembre de 2026, 10 días hábiles "
        "después de que venciera el plazo legal sin respuesta."
    )


def test_withdrawal_is_checked_and_closes_the_request(world):
    draft = services.draft(milestone=world["red"], membership=world["membership"], now=NOW)
    with translation_es(), pytest.raises(ValidationError, match="borrador"):
        withdraw(world, draft, D(2026, 10, 20))
    answered = filed(world, filed_on=D(2026, 10, 12), folio="8", answered_on=D(2026, 10, 26))
    with translation_es(), pytest.raises(ValidationError, match="respondida"):
        withdraw(world, answered, D(2026, 10, 27))
    item = extend(world, filed(world, filed_on=D(2026, 10, 12), folio="9"), D(2026, 10, 20))
    for day, expected in [
        (D(2026, 10, 19), "anterior a la presentación"),
        (D(2099, 1, 1), "futuro"),
    ]:
        with translation_es(), pytest.raises(ValidationError, match=expected):
            withdraw(world, item, day)
    item = withdraw(world, item, D(2026, 10, 21))
    # Withdrawn: no answer, no later extension, no filing correction.
    m = world["membership"]
    with translation_es(), pytest.raises(ValidationError, match="desistió"):
        services.record_answer(
            information_request=item, membership=m, answered_on=D(2026, 10, 22), now=LATER
        )
    with translation_es(), pytest.raises(ValidationError, match="quita el desistimiento"):
        extend(world, item, D(2026, 10, 20))
    with translation_es(), pytest.raises(ValidationError, match="desistió"):
        services.record_filing(
            information_request=item, membership=m, folio="9", filed_on=D(2026, 10, 13), now=LATER
        )
    item.refresh_from_db()
    assert (item.filed_on, item.answered_on, item.extended_on, item.withdrawn_on) == (
        D(2026, 10, 12), None, D(2026, 10, 20), D(2026, 10, 21),
    )  # fmt: skip


def test_the_database_refuses_an_answered_request_withdrawn(world):
    from django.db import IntegrityError, transaction

    item = filed(world, filed_on=D(2026, 10, 12), answered_on=D(2026, 10, 20))
    with pytest.raises(IntegrityError), transaction.atomic():
        InformationRequest.objects.filter(pk=item.pk).update(withdrawn_on=D(2026, 10, 21))


def test_panel_records_a_withdrawal(world, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        item = filed(world, filed_on=D(2026, 10, 12))
    client.force_login(world["people"]["cso"])
    url = f"/panel/solicitudes/{item.pk}/"
    assert 'id="form-withdrawal"' in client.get(url).content.decode()
    response = client.post(url + "retirada/", {"withdrawal-withdrawn_on": "2026-10-01"})
    assert response.status_code == 400 and 'id="error-summary"' in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "retirada/", {"withdrawal-withdrawn_on": "2026-10-30"})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert 'id="form-answer"' not in page and 'id="form-filing"' not in page
    public = client.get(world["commitment"].get_absolute_url()).content.decode()
    assert "la organización desistió de ella el 30 de octubre de 2026" in public
    row = client.get(f"/api/v1/milestones/{world['red'].pk}/").json()["information_requests"][0]
    assert (row["withdrawn_on"], row["business_days_elapsed"], row["overdue"]) == (
        "2026-10-30", 14, False,
    )  # fmt: skip


def test_late_is_decided_by_date_on_the_day_off_after_the_deadline(world):
    # Filed Friday 9 Oct 2026: the deadline's last day is Friday 30 Oct.
    item = filed(world, filed_on=D(2026, 10, 9), folio="11")
    assert rules.standing(item, today=D(2026, 10, 30)).deadline_on == D(2026, 10, 30)
    assert not rules.standing(item, today=D(2026, 10, 30)).overdue
    # Viewed on Saturday 31 Oct: no business day added, but the last day has passed.
    s = rules.standing(item, today=D(2026, 10, 31))
    assert (s.elapsed, s.overdue, s.overdue_by) == (15, True, 1)
    with translation_es():
        line = rules.public_line(item, today=D(2026, 10, 31))
    assert "venció hace 1 día hábil" in line
    # Withdrawn that Saturday: not "within the legal deadline".
    withdrawn = withdraw(world, item, D(2026, 10, 31))
    with translation_es():
        line = rules.public_line(withdrawn, today=D(2027, 1, 1))
    assert "1 día hábil después de que venciera el plazo legal" in line
    # Answered that Saturday instead: late by a business day.
    answered = filed(world, filed_on=D(2026, 10, 9), folio="12", answered_on=D(2026, 10, 31))
    s = rules.standing(answered, today=D(2027, 1, 1))
    assert (s.overdue, s.overdue_by) == (True, 1)


def test_a_mistaken_extension_or_withdrawal_can_be_removed(world):
    m = world["membership"]
    item = extend(world, filed(world, filed_on=D(2026, 10, 12)), D(2026, 10, 20))
    item = withdraw(world, item, D(2026, 10, 30))
    with translation_es(), pytest.raises(ValidationError, match="quita el desistimiento"):
        services.remove_extension(information_request=item, membership=m, now=LATER)
    item = services.remove_withdrawal(information_request=item, membership=m, now=LATER)
    item = services.remove_extension(information_request=item, membership=m, now=LATER)
    item.refresh_from_db()
    assert (item.extended_on, item.withdrawn_on) == (None, None)
    # Waiting again, against the ordinary term.
    s = rules.standing(item, today=D(2026, 11, 10))
    assert (s.deadline_days, s.overdue, s.closed) == (15, True, False)
    with pytest.raises(ValidationError):  # another organisation's
        services.remove_withdrawal(information_request=item, membership=world["other"], now=LATER)


def test_panel_removes_a_withdrawal_and_shows_the_form_of_an_error(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        item = withdraw(world, filed(world, filed_on=D(2026, 10, 12)), D(2026, 10, 30))
    client.force_login(world["people"]["cso"])
    url = f"/panel/solicitudes/{item.pk}/"
    page = client.get(url).content.decode()
    assert 'name="withdrawal-remove"' in page and 'id="form-extension"' not in page
    # An extension posted from a stale tab: refused, and its form is there with the error.
    response = client.post(url + "ampliacion/", {"extension-extended_on": "2026-10-20"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="form-extension"' in body and "quita el desistimiento" in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url + "retirada/", {"withdrawal-remove": "1"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.withdrawn_on is None
    public = client.get(world["commitment"].get_absolute_url()).content.decode()
    assert "desistió" not in public and "sin respuesta" in public


def test_filed_on_a_day_off_counts_from_the_next_business_day(world):
    item = filed(world, filed_on=D(2026, 10, 17))  # a Saturday: received Monday 19
    assert rules.standing(item, today=D(2026, 10, 20)).elapsed == 1


def test_bad_dates_are_refused_and_nothing_is_written(world):
    item = services.draft(milestone=world["red"], membership=world["membership"], now=NOW)
    m = world["membership"]
    with pytest.raises(ValidationError) as future:
        services.record_filing(
            information_request=item, membership=m, folio="9", filed_on=D(2026, 11, 3), now=NOW
        )
    assert "filed_on" in future.value.message_dict
    with pytest.raises(ValidationError) as no_folio:
        services.record_filing(
            information_request=item, membership=m, folio="  ", filed_on=D(2026, 10, 1), now=NOW
        )
    assert "folio" in no_folio.value.message_dict
    with pytest.raises(ValidationError):  # an answer before filing
        services.record_answer(
            information_request=item, membership=m, answered_on=D(2026, 10, 2), now=NOW
        )
    item.refresh_from_db()
    assert (item.folio, item.filed_on, item.answered_on) == ("", None, None)
    services.record_filing(
        information_request=item, membership=m, folio="9", filed_on=D(2026, 10, 5), now=NOW
    )
    with pytest.raises(ValidationError) as before:
        services.record_answer(
            information_request=item, membership=m, answered_on=D(2026, 10, 2), now=NOW
        )
    assert "answered_on" in before.value.message_dict
    item.refresh_from_db()
    assert item.answered_on is None


def test_one_folio_per_organisation(world):
    filed(world, filed_on=D(2026, 10, 1), folio="ABC")
    with pytest.raises(ValidationError) as twice:
        filed(world, filed_on=D(2026, 10, 2), folio="ABC")
    assert "folio" in twice.value.message_dict


def test_the_database_refuses_an_answer_before_filing(world):
    from django.db import IntegrityError, transaction

    item = filed(world, filed_on=D(2026, 10, 5))
    with pytest.raises(IntegrityError), transaction.atomic():
        InformationRequest.objects.filter(pk=item.pk).update(answered_on=D(2026, 10, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        InformationRequest.objects.filter(pk=item.pk).update(folio="")


# --- The panel ---------------------------------------------------------------------------------


def test_panel_flow_draft_file_answer(world, client, django_capture_on_commit_callbacks):
    red = world["red"]
    client.force_login(world["people"]["cso"])
    page = client.get(f"/panel/hitos/{red.pk}/")
    assert f'href="/panel/solicitudes/hitos/{red.pk}/"' in page.content.decode()

    form = client.get(f"/panel/solicitudes/hitos/{red.pk}/")
    assert form.status_code == 200
    text = form.context["form"].initial["text"]
    assert "Publicar el padrón de rutas" in text
    response = client.post(
        f"/panel/solicitudes/hitos/{red.pk}/",
        {"addressee": "Unidad de Transparencia del Gobierno del Estado", "text": text + "P.D."},
    )
    item = InformationRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/panel/solicitudes/{item.pk}/"
    assert item.addressee == "Unidad de Transparencia del Gobierno del Estado"
    assert item.text.rstrip().endswith("P.D.")
    assert item.created_by == world["people"]["cso"]

    download = client.get(f"/panel/solicitudes/{item.pk}/solicitud.txt")
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert "attachment" in download["Content-Disposition"]
    assert download.content.decode("utf-8") == item.text.rstrip() + "\n"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/panel/solicitudes/{item.pk}/presentada/",
            {"filing-folio": "330026526000777", "filing-filed_on": "2026-10-12"},
        )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.folio, item.filed_on) == ("330026526000777", D(2026, 10, 12))

    public = client.get(world["commitment"].get_absolute_url()).content.decode()
    assert "Solicitud de información presentada el 12 de octubre de 2026" in public
    assert "folio 330026526000777" in public

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/panel/solicitudes/{item.pk}/respuesta/",
            {"answer-answered_on": "2026-10-20", "answer-answer_url": "https://example.org/r.pdf"},
        )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.answered_on == D(2026, 10, 20)
    listing = client.get("/panel/solicitudes/").content.decode()
    assert "respondida el 20 de octubre de 2026" in listing


def test_panel_refuses_bad_input_in_spanish(world, client):
    client.force_login(world["people"]["cso"])
    item = services.draft(milestone=world["red"], membership=world["membership"], now=NOW)
    url = f"/panel/solicitudes/{item.pk}/"
    cases = [
        ("presentada/", {"filing-folio": "", "filing-filed_on": "2026-10-12"}, "Este campo"),
        ("presentada/", {"filing-folio": "1", "filing-filed_on": "12/10/2026x"}, "fecha"),
        ("presentada/", {"filing-folio": "1", "filing-filed_on": "9999-12-31"}, "fuera"),
        ("presentada/", {"filing-folio": "1", "filing-filed_on": "2099-01-01"}, "futuro"),
        ("respuesta/", {"answer-answered_on": "2026-10-01"}, "folio"),
    ]
    for suffix, data, expected in cases:
        response = client.post(url + suffix, data)
        assert response.status_code == 400, (suffix, data)
        body = response.content.decode()
        assert 'id="error-summary"' in body
        assert expected in body, (data, expected)
    item.refresh_from_db()
    assert (item.folio, item.filed_on) == ("", None)

    services.record_filing(
        information_request=item, membership=world["membership"], folio="7",
        filed_on=D(2026, 10, 12), now=NOW,
    )  # fmt: skip
    response = client.post(url + "respuesta/", {"answer-answered_on": "2026-10-05"})
    assert response.status_code == 400
    assert "anterior" in response.content.decode()


def test_panel_refuses_an_ineligible_milestone(world, client):
    green = factories.milestone(world["commitment"], due_on=D(2027, 6, 30), now=NOW)
    client.force_login(world["people"]["cso"])
    page = client.get(f"/panel/solicitudes/hitos/{green.pk}/")
    assert page.status_code == 200 and 'id="refusal"' in page.content.decode()
    response = client.post(f"/panel/solicitudes/hitos/{green.pk}/", {"addressee": "A", "text": "B"})
    assert response.status_code == 400
    assert "rojo" in response.content.decode()
    assert not InformationRequest.objects.exists()
    milestone_page = client.get(f"/panel/hitos/{green.pk}/").content.decode()
    assert "/panel/solicitudes/hitos/" not in milestone_page


def test_panel_doors_for_others(world, client):
    item = services.draft(milestone=world["red"], membership=world["membership"], now=NOW)
    red = world["red"]
    # Signed out: to the sign-in page.
    assert client.get(f"/panel/solicitudes/{item.pk}/").status_code == 302
    # An official: no drafting, no request pages.
    client.force_login(world["people"]["official"])
    assert client.get(f"/panel/solicitudes/hitos/{red.pk}/").status_code == 403
    assert client.get(f"/panel/solicitudes/{item.pk}/").status_code == 404
    assert "/panel/solicitudes/hitos/" not in client.get(f"/panel/hitos/{red.pk}/").content.decode()
    # Another organisation: its requests are not theirs.
    client.force_login(world["people"]["other"])
    assert client.get(f"/panel/solicitudes/{item.pk}/").status_code == 404
    assert client.get(f"/panel/solicitudes/{item.pk}/solicitud.txt").status_code == 404
    assert (
        client.post(
            f"/panel/solicitudes/{item.pk}/presentada/",
            {"filing-folio": "1", "filing-filed_on": "2026-10-12"},
        ).status_code
        == 404
    )
    assert client.get("/panel/solicitudes/99999999/").status_code == 404
    assert client.get("/panel/solicitudes/hitos/99999999/").status_code == 404
    # GET on a POST-only door.
    client.force_login(world["people"]["cso"])
    assert client.get(f"/panel/solicitudes/{item.pk}/presentada/").status_code == 405
    item.refresh_from_db()
    assert item.folio == ""


def test_csrf_is_checked(world):
    from django.test import Client

    item = services.draft(milestone=world["red"], membership=world["membership"], now=NOW)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["people"]["cso"])
    response = client.post(
        f"/panel/solicitudes/{item.pk}/presentada/",
        {"filing-folio": "1", "filing-filed_on": "2026-10-12"},
    )
    assert response.status_code == 403


def test_a_draft_is_not_public_and_can_be_deleted(world, client):
    item = services.draft(milestone=world["red"], membership=world["membership"], now=NOW)
    page = client.get(world["commitment"].get_absolute_url()).content.decode()
    assert "Solicitud de información presentada" not in page
    client.force_login(world["people"]["cso"])
    assert client.post(f"/panel/solicitudes/{item.pk}/eliminar/").status_code == 302
    assert not InformationRequest.objects.exists()


# --- The public page and the API ---------------------------------------------------------------


def test_filing_refreshes_the_cached_page(world, client, django_capture_on_commit_callbacks):
    url = world["commitment"].get_absolute_url()
    assert "Solicitud de información" not in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        filed(world, filed_on=D(2026, 10, 12))
    assert "Solicitud de información presentada el 12 de octubre de 2026" in (
        client.get(url).content.decode()
    )


def test_english_page(world, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        filed(world, filed_on=D(2026, 10, 12))
    page = client.get("/en" + world["commitment"].get_absolute_url()).content.decode()
    assert "Information request filed on" in page


def test_api_lists_filed_requests_only(world, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        item = filed(world, filed_on=D(2026, 10, 12))
        services.draft(milestone=world["red"], membership=world["other"], now=NOW)
    response = client.get(f"/api/v1/milestones/{world['red'].pk}/")
    assert response.status_code == 200, response.content
    rows = response.json()["information_requests"]
    assert len(rows) == 1
    row = rows[0]
    # The API counts to its day, the suite's (tests.clock: read once, as the pages are).
    s = rules.standing(item, today=TODAY)
    assert row == {
        "folio": "330026526000123",
        "filed_on": "2026-10-12",
        "answered_on": None,
        "business_days_elapsed": s.elapsed,
        "deadline_business_days": 15,
        "deadline_on": "2026-11-02",
        "extended_on": None,
        "deadline_extended": False,
        "withdrawn_on": None,
        "overdue": s.overdue,
    }


def test_the_page_reads_them_in_the_milestones_query(
    world, client, django_capture_on_commit_callbacks
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = world["commitment"].get_absolute_url()

    def queries():
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    with django_capture_on_commit_callbacks(execute=True):
        filed(world, filed_on=D(2026, 10, 12), folio="A", answered_on=D(2026, 10, 14))
        filed(world, filed_on=D(2026, 10, 5), folio="B")
    assert queries() == before
    page = client.get(url).content.decode()
    # Oldest first.
    assert page.index("folio B") < page.index("folio A")
    assert "respondida el 14 de octubre de 2026" in page
