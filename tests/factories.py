"""Small builders for the rows tests need, with realistic defaults."""

import datetime as dt
import itertools

from commitments import services
from commitments.models import ActionPlan, Commitment, Milestone
from states.models import Organisation, State
from tests.clock import NOW

_seq = itertools.count(1)


def state(**kw):
    """A state of its own (INEGI codes 40-99, beyond Mexico's 32: never the demo's)."""
    n = next(_seq)
    defaults = {"name": f"Estado {n}", "slug": f"estado-{n}", "inegi_code": f"{40 + n % 60}"}
    return State.objects.create(**{**defaults, **kw})


def organisation(state, kind=Organisation.Kind.GOVERNMENT, **kw):
    n = next(_seq)
    return Organisation.objects.create(
        **{"name": f"Dependencia {n}", "kind": kind, "state": state, **kw}
    )


def action_plan(state, **kw):
    defaults = {
        "number": next(_seq),
        "title": "Plan de Acción Local",
        "starts_on": dt.date(2025, 1, 1),
        "ends_on": dt.date(2026, 12, 31),
    }
    return ActionPlan.objects.create(state=state, **{**defaults, **kw})


def commitment(plan, lead, **kw):
    n = next(_seq)
    defaults = {
        "ogp_id": f"MXTST{n:04d}",
        "number": n,
        "title": f"Compromiso {n}",
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
    }
    return Commitment.objects.create(action_plan=plan, lead_institution=lead, **{**defaults, **kw})


def raw_milestone(commitment, **kw):
    """A milestone row written straight to the table, skipping the services and their
    checks: for tests of what the database itself refuses."""
    n = next(_seq)
    defaults = {
        "number": n,
        "title": f"Hito {n}",
        "starts_on": dt.date(2025, 2, 1),
        "due_on": dt.date(2025, 6, 30),
        "last_activity_at": NOW,
        "signal_since": NOW,
    }
    return Milestone.objects.create(commitment=commitment, **{**defaults, **kw})


def milestone(commitment, *, now=NOW, **kw):
    """A milestone created as the application creates one: its light assessed at `now`."""
    n = next(_seq)
    defaults = {
        "number": n,
        "title": f"Hito {n}",
        "starts_on": dt.date(2025, 2, 1),
        "due_on": dt.date(2025, 6, 30),
    }
    return services.create_milestone(commitment=commitment, now=now, **{**defaults, **kw})
