"""The tasks and the beat schedule: names resolve, the digest is daily, the stale task leads
to notices once it commits."""

import pytest
from celery.schedules import crontab
from django.conf import settings

from alerts.models import Notification
from commitments.models import Transition
from ogptracker.celery import app as celery_app


def test_every_beat_entry_names_a_registered_task():
    celery_app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    for name, entry in schedule.items():
        assert entry["task"] in celery_app.tasks, name
    digest = schedule["daily-digest"]
    assert digest["task"] == "alerts.send_digests"
    assert isinstance(digest["schedule"], crontab)
    assert digest["schedule"].hour == {7} and digest["schedule"].minute == {0}
    assert schedule["due-reminders"]["task"] == "alerts.scan_due_reminders"


def test_alert_tasks_retry_transient_errors_and_have_time_limits():
    from django.db import OperationalError

    for name in ("alerts.process_transitions", "alerts.send_user_digest", "alerts.send_digests"):
        task = celery_app.tasks[name]
        assert OperationalError in task.autoretry_for
        assert task.retry_backoff
        assert task.time_limit and task.soft_time_limit < task.time_limit


@pytest.mark.django_db
def test_the_stale_task_queues_the_notices_when_it_commits(
    demo_unwatched, django_capture_on_commit_callbacks
):
    from commitments.tasks import flag_stale_milestones

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        flag_stale_milestones.delay()
    assert [c for c in callbacks if "process_transitions" in repr(c)]
    assert Transition.objects.exists()
    assert not Transition.objects.filter(notified_at=None).exists()
    assert Notification.objects.filter(kind="red").exists()
