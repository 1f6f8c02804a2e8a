"""Schemathesis against the API's own OpenAPI schema: generated requests to every operation
must get no server error and no response that breaks the schema."""

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


def test_api_conforms_to_its_schema(demo, monkeypatch, settings):
    from django.utils import timezone

    from commitments.services import flag_stale_milestones
    from ogptracker.wsgi import application

    flag_stale_milestones(now=timezone.now())
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    # Hundreds of generated requests from one address: the rate limit is tested elsewhere.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100000/minute", "user": "100000/minute"}
    )
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

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
            case.call_and_validate(
                checks=[
                    not_a_server_error,
                    status_code_conformance,
                    content_type_conformance,
                    response_schema_conformance,
                ]
            )

        check()
