import datetime as dt

import pytest
from django.utils import timezone

from ogptracker.celery import app as celery_app

MX = timezone.get_default_timezone()
NOW = dt.datetime(2026, 11, 29, 9, 0, tzinfo=MX)


@pytest.fixture(autouse=True)
def celery_eager():
    """Tasks queued by views run in the test's process; the worker tests turn this off."""
    before = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


@pytest.fixture
def people(demo, django_user_model):
    """The demo's four people, by username."""
    return {u.username: u for u in django_user_model.objects.all()}
