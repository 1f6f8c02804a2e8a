import pytest

from ogptracker.celery import app as celery_app
from tests.clock import MX, NOW, day  # noqa: F401  (the alert tests' time)


@pytest.fixture(autouse=True)
def celery_eager():
    """Tasks queued by views run in the test's process; the worker tests turn this off."""
    before = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


@pytest.fixture
def people(demo_unwatched, django_user_model):
    """The demo's four people, by username; the demo's lights not yet assessed by the clock."""
    return {u.username: u for u in django_user_model.objects.all()}
