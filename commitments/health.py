"""The light audit's line on /healthz/ (registered in apps.py through ops.health)."""

import datetime as dt

from django.utils import timezone

from ops.health import Unhealthy

from .models import AuditRun

# The beat audits every night: an audit older than this is a beat or a task that stopped.
AUDIT_MAX_AGE = dt.timedelta(hours=48)


def last_audit():
    run = AuditRun.objects.order_by("-ran_at", "-id").first()
    if run is None:
        # A new installation: the first night's audit has not run yet. Not a failure.
        return {"last_run": None}
    detail = {
        "last_run": run.ran_at.isoformat(),
        "checked": run.checked,
        "differences": run.differences,
        "repaired": run.repaired,
    }
    if not run.clean:
        raise Unhealthy(
            f"the last audit ({run.ran_at.isoformat()}) found {run.differences - run.repaired} "
            "light(s) that differ from the rules (manage.py audit_lights --fix)"
        )
    if timezone.now() - run.ran_at > AUDIT_MAX_AGE:
        raise Unhealthy(f"the last audit ran at {run.ran_at.isoformat()}")
    return detail
