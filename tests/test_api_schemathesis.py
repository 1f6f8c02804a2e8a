"""Schemathesis against the API's own OpenAPI schema: generated requests to every operation
must get no server error and no response that breaks the schema. The writes are sent with a
valid token of a person who may make them, to a milestone that exists, so the generated
bodies reach the forms and the services rather than stopping at a 401 or a 404."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # Schemathesis calls the WSGI app directly, so each request ends with Django's
    # close_old_connections, which would close the test's connection mid-transaction (on
    # PostgreSQL). Django's own test client disconnects it the same way.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _a_thread_and_a_move(now):
    """A dispute answered and a moved due date, so that the answers checked against the
    schema hold every nested object a milestone can carry."""
    import datetime as dt

    from commitments import services
    from commitments.models import Dispute, Milestone
    from states.models import Membership

    official = Membership.objects.get(user__username="oficial.guanajuato")
    cso = Membership.objects.get(user__username="osc.guanajuato")
    m = Milestone.objects.filter(
        commitment__lead_institution=official.organisation, status="in_progress"
    ).first()
    services.record_verification(
        milestone=m, membership=cso, base_version=m.version, result="disputed",
        reason="Sin evidencia", now=now,
    )  # fmt: skip
    services.answer_dispute(
        dispute=Dispute.objects.get(milestone=m), membership=official, text="Anexo", now=now
    )
    services.reschedule_milestone(
        milestone=m, due_on=m.due_on + dt.timedelta(days=30), now=now, actor=official.user,
        organisation=official.organisation,
    )  # fmt: skip
    return m


def test_api_conforms_to_its_schema(demo, monkeypatch, settings):
    from django.utils import timezone

    from accounts.models import ApiToken
    from commitments.services import flag_stale_milestones
    from ogptracker.wsgi import application
    from tests.panel.conftest import milestone, user

    flag_stale_milestones(now=timezone.now())
    disputed = _a_thread_and_a_move(timezone.now())
    target = milestone("MXGTO9004", 2)
    writers = {
        # Who may write to each endpoint in the target's state.
        "/api/v1/milestones/{id}/status/": "oficial.guanajuato",
        "/api/v1/milestones/{id}/evidence/link/": "osc.guanajuato",
        "/api/v1/milestones/{id}/evidence/file/": "osc.guanajuato",
        "/api/v1/milestones/{id}/verification/": "osc.guanajuato",
        "/api/v1/milestones/{id}/dispute/answer/": "oficial.guanajuato",
        "/api/v1/milestones/{id}/dispute/withdraw/": "osc.guanajuato",
        "/api/v1/milestones/{id}/dispute/maintain/": "osc.guanajuato",
        # Generated items name ids of no milestone mostly: per-item 404s in a 207 or a 400.
        "/api/v1/milestones/bulk/status/": "oficial.guanajuato",
        "/api/v1/milestones/bulk/verification/": "osc.guanajuato",
    }
    tokens = {
        who: ApiToken.issue(user=user(who), name="schemathesis")[1] for who in writers.values()
    }
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    # Hundreds of generated requests from one address: the rate limit is tested elsewhere.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100000/minute", "user": "100000/minute"}
    )
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    assert {op.path for op in operations if op.method.upper() == "POST"} == set(writers)
    for operation in operations:
        writer = writers.get(operation.path) if operation.method.upper() == "POST" else None
        headers = {"Authorization": f"Token {tokens[writer]}"} if writer else {}
        _check(operation, headers, {"id": target.pk} if writer else {})

    # The milestone with the thread and the move, through the list and the detail.
    checks = [not_a_server_error, response_schema_conformance]
    listing = schema["/api/v1/milestones/"]["GET"].Case(
        query={"commitment": disputed.commitment.ogp_id}
    )
    listing.call_and_validate(checks=checks)
    detail = schema["/api/v1/milestones/{id}/"]["GET"].Case(path_parameters={"id": disputed.pk})
    answer = detail.call()
    detail.validate_response(answer, checks=checks)
    body = answer.json()
    assert [m["kind"] for m in body["disputes"][0]["messages"]] == ["reason", "answer"]
    assert body["reschedules"][0]["days_moved"] == 30


def _check(operation, headers, path_parameters):
    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case):
        # What the API promises: no server error, and every answer (status, content type,
        # body) as the schema describes it. Strings the schema allows but the API refuses
        # (a NUL character, say) get a documented 400, which is not a failure.
        case.path_parameters = {**(case.path_parameters or {}), **path_parameters}
        case.call_and_validate(
            headers=headers,
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
        )

    check()
