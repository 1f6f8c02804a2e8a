import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ogptracker.settings")

app = Celery("ogptracker")
# The current app of every thread, not only of this one (Celery's Django fixup does it too;
# said here since ops.outbox relies on it): ops/ finds the app as celery's current_app, from a
# request's thread as well, without importing this module.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# The request id travels in each task's headers, so the worker's lines name the request
# that queued the task (ops.logs).
@before_task_publish.connect
def _carry_request_id(headers=None, **kwargs):
    from ops.logs import task_headers

    if headers is not None:
        for name, value in task_headers().items():
            headers.setdefault(name, value)


@task_prerun.connect
def _enter_task(task_id=None, task=None, **kwargs):
    from ops.logs import request_id_var, task_var

    request_id_var.set(getattr(task.request, "request_id", None))
    task_var.set((task_id, task.name))


@task_postrun.connect
def _leave_task(**kwargs):
    from ops.logs import request_id_var, task_var

    request_id_var.set(None)
    task_var.set(None)
