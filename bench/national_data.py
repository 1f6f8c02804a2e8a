"""National-scale data for benchmarks: 32 states x 40 commitments x 6 milestones x 3 evidence.

Invented, reproducible (seeded) data; run inside a configured Django process.
"""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

STATES = [
    ("01", "Aguascalientes"), ("02", "Baja California"), ("03", "Baja California Sur"),
    ("04", "Campeche"), ("05", "Coahuila de Zaragoza"), ("06", "Colima"), ("07", "Chiapas"),
    ("08", "Chihuahua"), ("09", "Ciudad de México"), ("10", "Durango"), ("11", "Guanajuato"),
    ("12", "Guerrero"), ("13", "Hidalgo"), ("14", "Jalisco"), ("15", "México"),
    ("16", "Michoacán de Ocampo"), ("17", "Morelos"), ("18", "Nayarit"), ("19", "Nuevo León"),
    ("20", "Oaxaca"), ("21", "Puebla"), ("22", "Querétaro"), ("23", "Quintana Roo"),
    ("24", "San Luis Potosí"), ("25", "Sinaloa"), ("26", "Sonora"), ("27", "Tabasco"),
    ("28", "Tamaulipas"), ("29", "Tlaxcala"), ("30", "Veracruz de Ignacio de la Llave"),
    ("31", "Yucatán"), ("32", "Zacatecas"),
]  # fmt: skip
AGENCIES = ["Secretaría de Finanzas", "Secretaría de Salud", "Secretaría de Educación",
            "Secretaría de Movilidad", "Contraloría del Estado"]  # fmt: skip
CSOS = ["Observatorio Ciudadano", "Colectivo por la Transparencia", "Red de Datos Abiertos"]
THEMES = ["Datos abiertos", "Salud", "Educación", "Obra pública", "Presupuesto abierto"]


def load(*, states=32, commitments=40, milestones=6, evidence=3, seed=2026):
    from commitments.models import ActionPlan, Commitment, Evidence, Milestone
    from commitments.services import assess_new
    from states.models import Organisation, State

    rng = random.Random(seed)
    today = timezone.localdate()
    with transaction.atomic():
        for code, name in STATES[:states]:
            # The 32 states exist from the migrations on; a state with a plan already (the
            # demo's two) is left as it is.
            state, _ = State.objects.get_or_create(
                inegi_code=code, defaults={"name": name, "slug": slugify(name)}
            )
            if ActionPlan.objects.filter(state=state).exists():
                continue
            slug = state.slug
            # bulk_create skips save(), which makes the slug.
            orgs = Organisation.objects.bulk_create(
                [
                    Organisation(name=n, kind=kind, state=state, slug=f"{slugify(n)}-{slug}")
                    for kind, names in (("government", AGENCIES), ("cso", CSOS))
                    for n in names
                ]
            )
            plan = ActionPlan.objects.create(
                state=state,
                number=1,
                title=f"Plan de Acción Local de {name} 2025-2027",
                starts_on=dt.date(2025, 1, 1),
                ends_on=dt.date(2027, 6, 30),
                status="implementation",
            )
            cs = Commitment.objects.bulk_create(
                Commitment(
                    action_plan=plan,
                    ogp_id=f"MXB{code}{n:04d}",
                    number=n,
                    title=f"Compromiso {n} de {name}: transparencia y participación",
                    description="Publicar información y abrir espacios de participación.",
                    theme=rng.choice(THEMES),
                    lead_institution=rng.choice(orgs[: len(AGENCIES)]),
                    civic_participation=rng.random() < 0.5,
                    access_to_information=rng.random() < 0.5,
                    starts_on=dt.date(2025, 1, 1),
                    ends_on=dt.date(2027, 6, 30),
                )
                for n in range(1, commitments + 1)
            )
            ms = []
            for c in cs:
                for n in range(1, milestones + 1):
                    start = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 400))
                    due = start + dt.timedelta(days=rng.randint(30, 400))
                    done = due < today and rng.random() < 0.6
                    status = "completed" if done else rng.choice(["not_started", "in_progress"])
                    ms.append(
                        assess_new(
                            Milestone(
                                commitment=c,
                                number=n,
                                title=f"Hito {n}",
                                starts_on=start,
                                due_on=due,
                                status=status,
                                progress=100 if done else (0 if status == "not_started" else 50),
                                completed_on=due if done else None,
                                last_activity_at=timezone.make_aware(
                                    dt.datetime.combine(start, dt.time(12))
                                ),
                            ),
                            now=timezone.now(),
                            stale_after_days=180,
                        )
                    )
            ms = Milestone.objects.bulk_create(ms)
            Evidence.objects.bulk_create(
                Evidence(
                    milestone=m,
                    kind="link",
                    title=f"Evidencia {k}",
                    url=f"https://example.org/{m.commitment.ogp_id}/{m.number}/{k}",
                    organisation=rng.choice(orgs),
                )
                for m in ms
                for k in range(1, evidence + 1)
            )
