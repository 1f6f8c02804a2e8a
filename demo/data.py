"""Demo data: Guanajuato and Nuevo León.

State facts and the titles of Nuevo León's 2022-2024 commitments are real (OGP Local). Their
milestones, progress and evidence, and every commitment flagged ``is_illustrative``, are
invented examples for demonstration, and the site labels them so.
The invented plans' story (on track, due soon, overdue, stale, completed) is written as seen
on REFERENCE_DAY; `seed_demo --now` moves every date of those plans by whole days so that the
story holds on the day it is loaded (`shift`). Real commitments keep their real dates.
"""

import datetime as dt

# The day the invented plans' dates were written for.
REFERENCE_DAY = dt.date(2026, 11, 29)

GOV, CSO, TRANSPARENCY, ACADEMIA, PRIVATE = (
    "government",
    "cso",
    "transparency",
    "academia",
    "private",
)

STATES = [
    {"inegi_code": "11", "name": "Guanajuato", "slug": "guanajuato"},
    {"inegi_code": "19", "name": "Nuevo León", "slug": "nuevo-leon"},
]

# (state code or None for national, name, acronym, kind, website)
ORGANISATIONS = [
    ("11", "Secretaría de la Honestidad", "", GOV, "https://www.guanajuato.gob.mx/"),
    ("11", "Secretaría de Desarrollo Social y Humano", "SEDESHU", GOV, ""),
    ("11", "Comisión Estatal de Búsqueda de Personas de Guanajuato", "", GOV, ""),
    ("11", "Municipio de Apaseo el Alto", "", GOV, ""),
    (
        "11",
        "Instituto de Acceso a la Información Pública para el Estado de Guanajuato",
        "IACIP",
        TRANSPARENCY,
        "",
    ),
    ("11", "Colores del Rincón", "", CSO, ""),
    ("11", "Kybernus Guanajuato", "", CSO, ""),
    ("11", "Parlamento Juvenil Guanajuato", "", CSO, ""),
    ("11", "Universidad de Guanajuato", "UG", ACADEMIA, "https://www.ugto.mx/"),
    ("19", "Secretaría de Participación Ciudadana", "", GOV, "https://www.nl.gob.mx/"),
    ("19", "Municipio de Monterrey", "", GOV, "https://www.monterrey.gob.mx/"),
    ("19", "Municipio de San Pedro Garza García", "", GOV, "https://www.sanpedro.gob.mx/"),
    ("19", "Consejo Nuevo León para la Planeación Estratégica", "", GOV, ""),
    (
        "19",
        "Comisión Estatal de Transparencia y Acceso a la Información",
        "COTAI",
        TRANSPARENCY,
        "",
    ),
    ("19", "Instituto de Transparencia de Nuevo León", "INFO NL", TRANSPARENCY, ""),
    ("19", "Cómo Vamos Nuevo León", "", CSO, "https://comovamosnl.org/"),
    ("19", "Universidad Autónoma de Nuevo León", "UANL", ACADEMIA, "https://www.uanl.mx/"),
    # MXNLE0001's co-lead secretariats (real, as OGP's commitment page names them).
    ("19", "Secretaría de Cultura", "", GOV, ""),
    ("19", "Secretaría de Administración", "", GOV, ""),
    (None, "Accountability Lab México", "", CSO, "https://accountabilitylab.org/"),
]

# Other names the importer knows them by: OGP's pages name institutions in English
# (docs/examples/nuevo-leon-2022-2024.csv imports into the demo with them).
ALIASES = {
    "Secretaría de Participación Ciudadana": [
        "Secretariat of Citizen Participation",
        "Secretariat of Citizen Participation of the Government of the State of Nuevo León",
    ],
    "Secretaría de Cultura": ["Secretariat of Culture"],
    "Secretaría de Administración": ["Secretariat of Administration"],
    "Consejo Nuevo León para la Planeación Estratégica": [
        "Nuevo León Council for Strategic Planning",
        "Consejo Nuevo León",
    ],
    "Instituto de Transparencia de Nuevo León": [
        "State Institute for Transparency, Access to Information and Protection of Personal Data",
    ],
}

# Municipalities that are OGP members of their own within Nuevo León's coalition (real):
# (state code, name, INEGI code, OGP prefix).
MUNICIPALITIES = [
    ("19", "San Pedro Garza García", "19019", "MXSPG"),
    ("19", "Monterrey", "19039", "MXMTY"),
]

# (state code, organisation name, since, until): who held the transparency duties.
TRANSPARENCY_TERMS = [
    (
        "11",
        "Instituto de Acceso a la Información Pública para el Estado de Guanajuato",
        None,
        dt.date(2025, 8, 15),
    ),
    ("11", "Secretaría de la Honestidad", dt.date(2025, 8, 15), None),
    ("19", "Instituto de Transparencia de Nuevo León", None, None),
]

# {replaced organisation: its successor} (real: Guanajuato's IACIP was extinguished in 2025
# and its duties passed to the Secretaría de la Honestidad, listed before it above).
SUCCESSORS = {
    "Instituto de Acceso a la Información Pública para el Estado de Guanajuato": (
        "Secretaría de la Honestidad"
    ),
}

OGP = "https://www.opengovpartnership.org/"

ACTION_PLANS = [
    {
        "state": "11",
        "number": 1,
        "title": "Plan de Acción Local de Gobierno Abierto de Guanajuato 2019-2021",
        "starts_on": dt.date(2019, 7, 1),
        "ends_on": dt.date(2021, 6, 30),
        "status": "finished",
        "source_url": OGP,
    },
    {
        "state": "11",
        "number": 2,
        "title": "Plan de Acción Local de Gobierno Abierto de Guanajuato {starts}-{ends} (ejemplo)",
        "starts_on": dt.date(2025, 7, 1),
        "ends_on": dt.date(2027, 6, 30),
        "status": "implementation",
        "source_url": "",
    },
    {
        "state": "19",
        "number": 1,
        "title": "Plan de Acción Local de Nuevo León 2022-2024",
        "starts_on": dt.date(2023, 1, 1),
        "ends_on": dt.date(2024, 6, 30),
        "status": "finished",
        "source_url": OGP + "members/nuevo-leon-mexico/",
    },
    {
        "state": "19",
        "number": 2,
        "title": "Plan de Acción Local de Nuevo León {starts}-{ends} (ejemplo)",
        "starts_on": dt.date(2025, 9, 1),
        "ends_on": dt.date(2027, 8, 31),
        "status": "implementation",
        "source_url": "",
    },
]


def _ms(number, title, starts, due, status="not_started", progress=0, **extra):
    return {
        "number": number,
        "title": title,
        "starts_on": starts,
        "due_on": due,
        "status": status,
        "progress": progress,
        **extra,
    }


D = dt.date


def is_illustrative(ogp_id):
    """Invented commitments are numbered 9001 and up: they never collide with a real one."""
    return ogp_id[-4:].startswith("9")


# The invented plans running now, whose dates move with the day the demo is loaded.
MOVING_PLANS = {("11", 2), ("19", 2)}


def moving_days(now):
    """How many days the moving plans' dates move for a demo loaded at `now`."""
    from django.utils import timezone

    return (timezone.localdate(now) - REFERENCE_DAY).days


def shift(value, days):
    """A date or datetime of a moving plan, moved by `days` (None stays None)."""
    return None if value is None else value + dt.timedelta(days=days)


COMMITMENTS = [
    # Guanajuato, first plan (2019-2021): finished, one milestone never completed.
    {
        "plan": ("11", 1),
        "ogp_id": "MXGTO9001",
        "number": 1,
        "title": "Contraloría social abierta de los programas sociales estatales",
        "short_title": "Contraloría social abierta",
        "lead": "Secretaría de Desarrollo Social y Humano",
        "supporting": ["Colores del Rincón", "Universidad de Guanajuato"],
        "theme": "Programas sociales",
        "values": ["access_to_information", "civic_participation", "public_accountability"],
        "problem": (
            "Los comités de contraloría social no cuentan con información suficiente sobre "
            "padrones, montos y reglas de operación para vigilar los programas sociales."
        ),
        "objective": (
            "Publicar en datos abiertos los padrones y avances de los programas sociales "
            "estatales y capacitar a los comités de contraloría social para usarlos."
        ),
        "starts_on": D(2019, 9, 1),
        "ends_on": D(2021, 6, 30),
        "irm": {"irm_potential_impact": "moderate", "irm_completion": "substantial"},
        "milestones": [
            _ms(
                1,
                "Diagnóstico de la información de programas sociales",
                D(2019, 9, 1),
                D(2019, 12, 15),
                "completed",
                100,
                completed_on=D(2019, 12, 10),
            ),
            _ms(
                2,
                "Publicación de padrones de beneficiarios en datos abiertos",
                D(2020, 1, 15),
                D(2020, 9, 30),
                "completed",
                100,
                completed_on=D(2020, 11, 20),
            ),
            _ms(
                3,
                "Capacitación a 200 comités de contraloría social",
                D(2020, 6, 1),
                D(2021, 6, 30),
                "in_progress",
                60,
            ),
        ],
    },
    {
        "plan": ("11", 1),
        "ogp_id": "MXGTO9002",
        "number": 2,
        "title": "Parlamento abierto juvenil para el seguimiento del plan de acción",
        "short_title": "Parlamento juvenil",
        "lead": "Instituto de Acceso a la Información Pública para el Estado de Guanajuato",
        "supporting": ["Parlamento Juvenil Guanajuato", "Kybernus Guanajuato"],
        "theme": "Participación juvenil",
        "values": ["civic_participation"],
        "problem": "Las y los jóvenes no participan en el seguimiento de los compromisos.",
        "objective": "Crear un mecanismo juvenil de seguimiento con sesiones públicas.",
        "starts_on": D(2019, 9, 1),
        "ends_on": D(2021, 3, 31),
        "irm": {"irm_potential_impact": "minor", "irm_completion": "complete"},
        "milestones": [
            _ms(
                1,
                "Convocatoria pública al parlamento juvenil",
                D(2019, 9, 1),
                D(2019, 11, 30),
                "completed",
                100,
                completed_on=D(2019, 11, 28),
            ),
            _ms(
                2,
                "Cuatro sesiones públicas de seguimiento",
                D(2020, 1, 1),
                D(2020, 12, 15),
                "completed",
                100,
                completed_on=D(2020, 12, 11),
            ),
            _ms(
                3,
                "Informe juvenil de resultados",
                D(2021, 1, 1),
                D(2021, 3, 31),
                "completed",
                100,
                completed_on=D(2021, 3, 26),
            ),
        ],
    },
    # Guanajuato, second plan (2025-2027, invented): a mix of on-track, at-risk, overdue, stale.
    {
        "plan": ("11", 2),
        "ogp_id": "MXGTO9003",
        "number": 1,
        "title": "Datos abiertos sobre la búsqueda de personas desaparecidas, con colectivos de familias",  # noqa: E501
        "short_title": "Datos abiertos de búsqueda",
        "lead": "Comisión Estatal de Búsqueda de Personas de Guanajuato",
        "supporting": ["Colores del Rincón", "Universidad de Guanajuato"],
        "theme": "Derechos humanos",
        "values": ["access_to_information", "civic_participation", "technology_and_innovation"],
        "problem": (
            "Las familias que buscan a sus seres queridos no tienen acceso oportuno a "
            "información estadística sobre búsquedas, hallazgos e identificaciones."
        ),
        "objective": (
            "Publicar, con los colectivos de familias, un conjunto de datos abiertos mensual "
            "sobre acciones de búsqueda, con salvaguardas de privacidad acordadas."
        ),
        "starts_on": D(2025, 8, 1),
        "ends_on": D(2027, 6, 30),
        "irm": {"irm_potential_for_results": "substantial"},
        "milestones": [
            _ms(
                1,
                "Mesas de co-diseño con colectivos de familias",
                D(2025, 8, 1),
                D(2025, 11, 30),
                "completed",
                100,
                completed_on=D(2025, 11, 21),
            ),
            _ms(
                2,
                "Protocolo de anonimización acordado y publicado",
                D(2025, 12, 1),
                D(2026, 4, 30),
                "completed",
                100,
                completed_on=D(2026, 5, 18),
            ),
            _ms(
                3,
                "Primera publicación mensual del conjunto de datos",
                D(2026, 5, 1),
                D(2026, 9, 30),
                "in_progress",
                70,
            ),
            # The plan gives only the month: due at its end, shown as "abril de 2027".
            _ms(
                4,
                "Tablero público con indicadores de búsqueda",
                D(2026, 10, 1),
                D(2027, 4, 30),
                "not_started",
                0,
                due_precision="month",
            ),
        ],
    },
    {
        "plan": ("11", 2),
        "ogp_id": "MXGTO9004",
        "number": 2,
        "title": "Transición ordenada de las obligaciones de acceso a la información tras la extinción del IACIP",  # noqa: E501
        "short_title": "Transición del IACIP",
        "lead": "Secretaría de la Honestidad",
        "supporting": ["Kybernus Guanajuato"],
        "theme": "Acceso a la información",
        "values": ["access_to_information", "public_accountability"],
        "problem": (
            "Con la extinción del IACIP, las personas solicitantes no saben ante quién "
            "presentar recursos de revisión ni qué pasa con los expedientes en trámite."
        ),
        "objective": (
            "Garantizar la continuidad del derecho de acceso a la información con un plan de "
            "transición público y verificable."
        ),
        "starts_on": D(2025, 8, 15),
        "ends_on": D(2027, 2, 28),
        "irm": {},
        "milestones": [
            _ms(
                1,
                "Inventario público de expedientes en trámite",
                D(2025, 8, 15),
                D(2025, 12, 31),
                "completed",
                100,
                completed_on=D(2025, 12, 19),
            ),
            _ms(
                2,
                "Guía ciudadana sobre dónde presentar solicitudes y recursos",
                D(2026, 1, 1),
                D(2026, 12, 15),
                "in_progress",
                80,
            ),
            _ms(
                3,
                "Informe semestral de resoluciones emitidas",
                D(2026, 1, 1),
                D(2027, 2, 28),
                "in_progress",
                30,
                last_activity=dt.datetime(2026, 3, 2, 11, 0),
            ),
        ],
    },
    {
        "plan": ("11", 2),
        "ogp_id": "MXGTO9005",
        "number": 3,
        "title": "Plan de acción municipal de gobierno abierto en Apaseo el Alto",
        "short_title": "Apaseo el Alto abierto",
        "lead": "Municipio de Apaseo el Alto",
        "supporting": ["Parlamento Juvenil Guanajuato"],
        "theme": "Gobierno abierto municipal",
        "values": ["civic_participation", "public_accountability"],
        "problem": "El municipio no cuenta con un mecanismo permanente de co-creación.",
        "objective": "Instalar un Secretariado Técnico municipal y co-crear su primer plan.",
        "starts_on": D(2025, 9, 1),
        "ends_on": D(2027, 6, 30),
        "irm": {},
        "milestones": [
            _ms(
                1,
                "Instalación del Secretariado Técnico municipal",
                D(2025, 9, 1),
                D(2025, 12, 31),
                "completed",
                100,
                completed_on=D(2025, 12, 5),
            ),
            _ms(
                2,
                "Foros de co-creación en comunidades",
                D(2026, 2, 1),
                D(2026, 8, 31),
                "in_progress",
                40,
                last_activity=dt.datetime(2026, 4, 20, 16, 30),
            ),
            _ms(
                3,
                "Publicación del plan de acción municipal",
                D(2026, 9, 1),
                D(2027, 3, 31),
                "not_started",
                0,
            ),
            # The plan gives it no date: yellow, "sin fecha", never silently on track.
            _ms(
                4,
                "Segundo ciclo de co-creación en comunidades",
                D(2026, 11, 1),
                None,
                "not_started",
                0,
            ),
        ],
    },
    {
        "plan": ("11", 2),
        "ogp_id": "MXGTO9006",
        "number": 4,
        "title": "Padrones de programas sociales verificables por la ciudadanía",
        "short_title": "Padrones verificables",
        "lead": "Secretaría de Desarrollo Social y Humano",
        "supporting": ["Colores del Rincón"],
        "theme": "Programas sociales",
        "values": ["access_to_information", "public_accountability", "technology_and_innovation"],
        "problem": "Los padrones se publican en PDF y no se pueden contrastar entre programas.",
        "objective": "Publicar padrones en formato abierto con identificadores anonimizados.",
        "starts_on": D(2025, 10, 1),
        "ends_on": D(2027, 6, 30),
        "irm": {},
        "milestones": [
            _ms(
                1,
                "Norma técnica de publicación de padrones",
                D(2025, 10, 1),
                D(2026, 3, 31),
                "completed",
                100,
                completed_on=D(2026, 3, 27),
            ),
            _ms(
                2,
                "Publicación de 10 padrones en formato abierto",
                D(2026, 4, 1),
                D(2027, 1, 31),
                "in_progress",
                50,
            ),
            _ms(
                3,
                "Herramienta de consulta ciudadana de padrones",
                D(2026, 9, 1),
                D(2027, 6, 30),
                "not_started",
                0,
            ),
        ],
    },
    # Adopted with the plan, its milestones still to be agreed: yellow, "sin hitos".
    {
        "plan": ("11", 2),
        "ogp_id": "MXGTO9007",
        "number": 5,
        "title": "Contrataciones abiertas de la obra pública estatal",
        "short_title": "Contrataciones abiertas",
        "lead": "Secretaría de la Honestidad",
        "supporting": ["Kybernus Guanajuato"],
        "theme": "Contrataciones públicas",
        "values": ["access_to_information", "public_accountability"],
        "problem": "Las contrataciones de obra pública no se publican en formato abierto.",
        "objective": (
            "Publicar cada etapa de las contrataciones de obra pública con el Estándar de "
            "Datos para las Contrataciones Abiertas; los hitos se acordarán en una mesa de "
            "co-creación."
        ),
        "starts_on": D(2026, 7, 1),
        "ends_on": D(2027, 6, 30),
        "irm": {},
        "milestones": [],
    },
    # Nuevo León, 2022-2024 plan: real commitment titles, illustrative milestones.
    {
        "plan": ("19", 1),
        "ogp_id": "MXNLE0001",
        "number": 1,
        "title": "Participación a través de la innovación con datos abiertos – dataLABNL",
        "short_title": "dataLABNL",
        "lead": "Secretaría de Participación Ciudadana",
        "co_leads": ["Secretaría de Cultura", "Secretaría de Administración"],
        "source_url": OGP + "members/nuevo-leon-state-mexico/commitments/MXNLE0001/",
        "supporting": ["Cómo Vamos Nuevo León", "Universidad Autónoma de Nuevo León"],
        "theme": "Datos abiertos",
        "values": ["access_to_information", "civic_participation", "technology_and_innovation"],
        "problem": (
            "La información pública del estado no se publica en formatos que la ciudadanía "
            "pueda reutilizar para proponer soluciones."
        ),
        "objective": (
            "Crear un laboratorio de datos abiertos (dataLABNL) donde gobierno y sociedad "
            "civil co-creen soluciones con datos públicos."
        ),
        "starts_on": D(2023, 1, 1),
        "ends_on": D(2024, 6, 30),
        "illustrative_milestones": True,
        "irm": {"irm_potential_for_results": "modest"},
        "milestones": [
            _ms(
                1,
                "Instalación del laboratorio dataLABNL",
                D(2023, 1, 1),
                D(2023, 4, 30),
                "completed",
                100,
                completed_on=D(2023, 4, 25),
            ),
            _ms(
                2,
                "Publicación de 20 conjuntos de datos priorizados",
                D(2023, 5, 1),
                D(2023, 12, 15),
                "completed",
                100,
                completed_on=D(2024, 2, 9),
            ),
            _ms(
                3,
                "Retos ciudadanos de innovación con datos",
                D(2023, 9, 1),
                D(2024, 3, 31),
                "in_progress",
                75,
            ),
            _ms(4, "Informe final de resultados", D(2024, 4, 1), D(2024, 6, 30), "not_started", 0),
        ],
    },
    {
        "plan": ("19", 1),
        "ogp_id": "MXNLE0002",
        "number": 2,
        "title": "En Nuevo León, niñas, niños y adolescentes participan para mejorar nuestro entorno",  # noqa: E501
        "short_title": "Participación infantil",
        "lead": "Secretaría de Participación Ciudadana",
        "source_url": OGP + "members/nuevo-leon-state-mexico/commitments/MXNLE0002/",
        "supporting": ["Consejo Nuevo León para la Planeación Estratégica"],
        "theme": "Participación de niñas, niños y adolescentes",
        "values": ["civic_participation"],
        "problem": "Niñas, niños y adolescentes no tienen canales para incidir en lo público.",
        "objective": "Crear mecanismos de participación infantil con seguimiento público.",
        "starts_on": D(2023, 1, 1),
        "ends_on": D(2024, 6, 30),
        "illustrative_milestones": True,
        "irm": {"irm_potential_for_results": "modest"},
        "milestones": [
            _ms(
                1,
                "Consulta infantil estatal",
                D(2023, 2, 1),
                D(2023, 6, 30),
                "completed",
                100,
                completed_on=D(2023, 6, 16),
            ),
            _ms(
                2,
                "Cabildos infantiles en municipios participantes",
                D(2023, 7, 1),
                D(2024, 2, 28),
                "in_progress",
                50,
            ),
            _ms(
                3,
                "Respuesta pública a las propuestas infantiles",
                D(2024, 1, 1),
                D(2024, 6, 30),
                "not_started",
                0,
            ),
        ],
    },
    {
        "plan": ("19", 1),
        "ogp_id": "MXSPG0003",
        "number": 3,
        "title": "Hacer proactiva la transparencia en Nuevo León",
        "short_title": "Transparencia proactiva",
        "lead": "Municipio de San Pedro Garza García",
        # San Pedro Garza García is an OGP member of its own within the coalition.
        "member": "San Pedro Garza García",
        "source_url": OGP + "members/san-pedro-garza-garc%C3%ADa-mexico/commitments/mxspg0003/",
        "supporting": [
            "Instituto de Transparencia de Nuevo León",
            "Accountability Lab México",
        ],
        "theme": "Transparencia proactiva",
        "values": ["access_to_information", "public_accountability"],
        "problem": "La información que más se solicita no se publica de oficio.",
        "objective": "Publicar de forma proactiva la información más solicitada.",
        "starts_on": D(2023, 1, 1),
        "ends_on": D(2024, 6, 30),
        "illustrative_milestones": True,
        "irm": {},
        "milestones": [
            _ms(
                1,
                "Análisis de las solicitudes de información más frecuentes",
                D(2023, 1, 1),
                D(2023, 5, 31),
                "completed",
                100,
                completed_on=D(2023, 5, 30),
            ),
            _ms(
                2,
                "Micrositio de transparencia proactiva",
                D(2023, 6, 1),
                D(2023, 12, 31),
                "completed",
                100,
                completed_on=D(2023, 12, 14),
            ),
            _ms(
                3,
                "Evaluación ciudadana del micrositio",
                D(2024, 1, 1),
                D(2024, 6, 30),
                "in_progress",
                20,
            ),
        ],
    },
    {
        "plan": ("19", 1),
        "ogp_id": "MXMTY0005",
        "number": 5,
        "title": (
            "Estrategia de gobierno abierto para una movilidad metropolitana activa e "
            "incluyente – Corredores verdes"
        ),
        "short_title": "Corredores verdes",
        "lead": "Municipio de Monterrey",
        # Monterrey is an OGP member of its own within the coalition.
        "member": "Monterrey",
        "source_url": OGP + "members/monterrey-mexico/commitments/MXMTY0005/",
        "supporting": ["Cómo Vamos Nuevo León"],
        "theme": "Movilidad",
        "values": [
            "access_to_information",
            "civic_participation",
            "public_accountability",
            "technology_and_innovation",
        ],
        "problem": (
            "La movilidad del área metropolitana de Monterrey está fragmentada y favorece el "
            "automóvil sobre el transporte público y la movilidad no motorizada."
        ),
        "objective": (
            "Abrir la planeación y la ejecución de los corredores verdes: información "
            "proactiva, datos abiertos y espacios de participación presenciales."
        ),
        "starts_on": D(2023, 1, 1),
        "ends_on": D(2024, 6, 30),
        "illustrative_milestones": True,
        "irm": {},
        # As docs/examples/nuevo-leon-2022-2024.csv publishes them: one known only to the
        # month, one with no date at all.
        "milestones": [
            _ms(
                1,
                "Informe transversal de los corredores verdes",
                D(2023, 1, 1),
                D(2023, 9, 30),
                "completed",
                100,
                completed_on=D(2023, 9, 22),
                due_precision="month",
            ),
            _ms(
                2,
                "Sitio web de los proyectos con datos abiertos y contratos",
                D(2023, 1, 1),
                None,
                "in_progress",
                60,
            ),
            _ms(
                3,
                "Guía para corredores verdes con participación en otros municipios",
                D(2023, 10, 1),
                D(2024, 6, 30),
                "completed",
                100,
                completed_on=D(2024, 7, 19),
            ),
        ],
    },
    # Nuevo León, second plan (invented).
    {
        "plan": ("19", 2),
        "ogp_id": "MXNLE9001",
        "number": 1,
        "title": "Presupuesto participativo metropolitano con seguimiento público",
        "short_title": "Presupuesto participativo",
        "lead": "Municipio de Monterrey",
        "supporting": ["Cómo Vamos Nuevo León"],
        "theme": "Presupuesto abierto",
        "values": ["civic_participation", "public_accountability"],
        "problem": "Los proyectos de presupuesto participativo no tienen seguimiento público.",
        "objective": "Publicar el avance físico y financiero de cada proyecto votado.",
        "starts_on": D(2025, 9, 1),
        "ends_on": D(2027, 8, 31),
        "irm": {},
        "milestones": [
            _ms(
                1,
                "Reglas de operación co-creadas",
                D(2025, 9, 1),
                D(2025, 12, 31),
                "completed",
                100,
                completed_on=D(2026, 1, 14),
            ),
            _ms(
                2,
                "Votación ciudadana de proyectos",
                D(2026, 2, 1),
                D(2026, 6, 30),
                "completed",
                100,
                completed_on=D(2026, 6, 26),
            ),
            _ms(
                3,
                "Tablero de avance físico-financiero",
                D(2026, 7, 1),
                D(2026, 12, 20),
                "in_progress",
                65,
            ),
            _ms(4, "Informe anual de resultados", D(2027, 1, 1), D(2027, 8, 31), "not_started", 0),
        ],
    },
    {
        "plan": ("19", 2),
        "ogp_id": "MXNLE9002",
        "number": 2,
        "title": "Indicadores ciudadanos de cumplimiento de promesas públicas",
        "short_title": "Promesas públicas",
        "lead": "Consejo Nuevo León para la Planeación Estratégica",
        "supporting": ["Cómo Vamos Nuevo León", "Universidad Autónoma de Nuevo León"],
        "theme": "Rendición de cuentas",
        "values": ["public_accountability", "technology_and_innovation"],
        "problem": "Las promesas públicas no tienen indicadores verificables de avance.",
        "objective": "Acordar y publicar indicadores ciudadanos de seguimiento.",
        "starts_on": D(2025, 10, 1),
        "ends_on": D(2027, 8, 31),
        "irm": {},
        "milestones": [
            _ms(
                1,
                "Catálogo de promesas públicas con indicadores",
                D(2025, 10, 1),
                D(2026, 5, 31),
                "in_progress",
                90,
                last_activity=dt.datetime(2026, 2, 10, 9, 0),
            ),
            _ms(
                2,
                "Primera medición pública de indicadores",
                D(2026, 6, 1),
                D(2027, 2, 28),
                "not_started",
                0,
                last_activity=dt.datetime(2026, 2, 10, 9, 0),
            ),
            _ms(
                3,
                "Segunda medición y recomendaciones",
                D(2027, 3, 1),
                D(2027, 8, 31),
                "not_started",
                0,
            ),
        ],
    },
]

# Evidence links by (ogp_id, milestone number): (kind, title, url, organisation), and when it
# was added if not on the day the milestone started or was completed.
EVIDENCE_LINKS = {
    ("MXMTY0005", 1): [
        (
            "document",
            "Informe transversal de los corredores verdes",
            "https://www.monterrey.gob.mx/",
            "Municipio de Monterrey",
        )
    ],
    ("MXMTY0005", 3): [
        (
            "document",
            "Guía de corredores verdes con participación",
            "https://www.monterrey.gob.mx/",
            "Municipio de Monterrey",
        )
    ],
    ("MXGTO9001", 1): [
        (
            "document",
            "Diagnóstico publicado",
            "https://www.guanajuato.gob.mx/",
            "Secretaría de Desarrollo Social y Humano",
        )
    ],  # noqa: E501
    ("MXGTO9001", 2): [
        (
            "dataset",
            "Padrones en datos abiertos",
            "https://datos.gob.mx/",
            "Secretaría de Desarrollo Social y Humano",
        )
    ],  # noqa: E501
    ("MXGTO9002", 1): [
        (
            "link",
            "Convocatoria publicada",
            "https://www.guanajuato.gob.mx/",
            "Parlamento Juvenil Guanajuato",
        )
    ],  # noqa: E501
    ("MXGTO9002", 2): [
        (
            "photo",
            "Memoria fotográfica de las sesiones",
            "https://www.guanajuato.gob.mx/",
            "Parlamento Juvenil Guanajuato",
        )
    ],  # noqa: E501
    ("MXGTO9002", 3): [
        (
            "document",
            "Informe juvenil",
            "https://www.opengovpartnership.org/",
            "Kybernus Guanajuato",
        )
    ],  # noqa: E501
    ("MXGTO9003", 1): [
        (
            "document",
            "Minutas de las mesas de co-diseño",
            "https://www.guanajuato.gob.mx/",
            "Comisión Estatal de Búsqueda de Personas de Guanajuato",
        )
    ],  # noqa: E501
    ("MXGTO9004", 1): [
        (
            "dataset",
            "Inventario de expedientes",
            "https://datos.gob.mx/",
            "Secretaría de la Honestidad",
        )
    ],  # noqa: E501
    # A civil-society organisation's pressure on a stale milestone: shown, and it leaves the
    # milestone red (only the government's work resets the clock).
    ("MXGTO9004", 3): [
        (
            "link",
            "Solicitud de información sin respuesta sobre el informe semestral",
            "https://www.plataformadetransparencia.org.mx/",
            "Colores del Rincón",
            dt.datetime(2026, 10, 20, 12, 0),
        )
    ],
    ("MXGTO9005", 1): [
        (
            "document",
            "Acta de instalación",
            "https://www.guanajuato.gob.mx/",
            "Municipio de Apaseo el Alto",
        )
    ],  # noqa: E501
    ("MXGTO9006", 1): [
        (
            "document",
            "Norma técnica publicada",
            "https://www.guanajuato.gob.mx/",
            "Secretaría de Desarrollo Social y Humano",
        )
    ],  # noqa: E501
    ("MXNLE0001", 1): [
        (
            "link",
            "Presentación del dataLABNL",
            "https://www.nl.gob.mx/",
            "Secretaría de Participación Ciudadana",
        )
    ],  # noqa: E501
    ("MXNLE0001", 2): [
        (
            "dataset",
            "Catálogo de datos abiertos",
            "https://datos.gob.mx/",
            "Secretaría de Participación Ciudadana",
        )
    ],  # noqa: E501
    ("MXNLE0002", 1): [
        (
            "document",
            "Resultados de la consulta infantil",
            "https://www.nl.gob.mx/",
            "Secretaría de Participación Ciudadana",
        )
    ],  # noqa: E501
    ("MXSPG0003", 1): [
        (
            "document",
            "Análisis de solicitudes",
            "https://www.sanpedro.gob.mx/",
            "Municipio de San Pedro Garza García",
        )
    ],  # noqa: E501
    ("MXSPG0003", 2): [
        (
            "link",
            "Micrositio de transparencia proactiva",
            "https://www.sanpedro.gob.mx/",
            "Municipio de San Pedro Garza García",
        )
    ],  # noqa: E501
    ("MXNLE9001", 1): [
        (
            "document",
            "Reglas de operación",
            "https://www.monterrey.gob.mx/",
            "Municipio de Monterrey",
        )
    ],  # noqa: E501
    ("MXNLE9001", 2): [
        (
            "dataset",
            "Resultados de la votación",
            "https://www.monterrey.gob.mx/",
            "Municipio de Monterrey",
        ),  # noqa: E501
        (
            "link",
            "Seguimiento ciudadano de la votación",
            "https://comovamosnl.org/",
            "Cómo Vamos Nuevo León",
        ),
    ],  # noqa: E501
}

# One evidence file per state, so the demo shows downloads with their SHA-256.
EVIDENCE_FILES = {
    ("MXGTO9003", 2): (
        "dataset",
        "Protocolo de anonimización (anexo de variables)",
        "protocolo-variables.csv",
        "variable,descripcion,publicacion\n"
        "fecha_busqueda,Fecha de la acción de búsqueda,mensual\n"
        "municipio,Municipio (clave INEGI),mensual\n"
        "tipo_accion,Tipo de acción de búsqueda,mensual\n",
        "Comisión Estatal de Búsqueda de Personas de Guanajuato",
    ),
    ("MXNLE0001", 2): (
        "dataset",
        "Inventario de conjuntos de datos publicados",
        "inventario-datos.csv",
        "conjunto,dependencia,formato\n"
        "Presupuesto estatal,Secretaría de Finanzas,CSV\n"
        "Obra pública,Secretaría de Movilidad,CSV\n",
        "Secretaría de Participación Ciudadana",
    ),
}

# Development only, published in the README; seed_demo refuses it with DEBUG off.
DEMO_PASSWORD = "demo-ogp-2026"  # noqa: S105  # nosec B105

# username, email, first name, state code, organisation, role
DEMO_USERS = [
    (
        "oficial.guanajuato",
        "oficial.guanajuato@example.org",
        "Ana",
        "11",
        "Secretaría de la Honestidad",
        "official",
    ),
    ("osc.guanajuato", "osc.guanajuato@example.org", "Beatriz", "11", "Colores del Rincón", "cso"),
    (
        "oficial.nuevoleon",
        "oficial.nuevoleon@example.org",
        "Carlos",
        "19",
        "Secretaría de Participación Ciudadana",
        "official",
    ),
    ("osc.nuevoleon", "osc.nuevoleon@example.org", "Daniela", "19", "Cómo Vamos Nuevo León", "cso"),
]

# Last status update of milestones still in progress, where it is not given above.
IN_PROGRESS_UPDATED_AT = {
    ("MXGTO9001", 3): dt.datetime(2021, 5, 10, 12, 0),
    ("MXGTO9003", 3): dt.datetime(2026, 8, 14, 10, 30),
    ("MXGTO9004", 2): dt.datetime(2026, 10, 20, 13, 0),
    ("MXGTO9006", 2): dt.datetime(2026, 11, 2, 9, 15),
    ("MXNLE0001", 3): dt.datetime(2024, 5, 15, 17, 0),
    ("MXNLE0002", 2): dt.datetime(2024, 1, 20, 12, 0),
    ("MXSPG0003", 3): dt.datetime(2024, 4, 12, 10, 0),
    ("MXNLE9001", 3): dt.datetime(2026, 11, 10, 18, 45),
}

# Moved goalposts: (ogp_id, milestone number) -> each move of its due date, in order, as
# (when, from, to), by the lead institution. The first "from" is the plan's original date.
RESCHEDULES = {
    # Moved once, before the date fell due.
    ("MXGTO9003", 3): [(dt.datetime(2026, 7, 25, 12, 0), D(2026, 7, 31), D(2026, 9, 30))],
    # Moved twice, each time after the date had passed ("reprogramado después de vencer"),
    # and overdue all the same.
    ("MXGTO9005", 2): [
        (dt.datetime(2026, 7, 10, 12, 0), D(2026, 6, 30), D(2026, 7, 31)),
        (dt.datetime(2026, 8, 5, 12, 0), D(2026, 7, 31), D(2026, 8, 31)),
    ],
}

# A completion disputed by a civil-society organisation and answered by the government
# (the right of reply): (ogp_id, number) -> (organisation that disputes, when, reason;
# answering organisation, when, answer). Both organisations need a demo user (DEMO_USERS).
DISPUTES = {
    ("MXGTO9004", 1): (
        "Colores del Rincón",
        dt.datetime(2026, 11, 9, 10, 0),
        "El inventario publicado omite los expedientes de los recursos de revisión en "
        "trámite al momento de la extinción del IACIP.",
        "Secretaría de la Honestidad",
        dt.datetime(2026, 11, 23, 13, 0),
        "Los recursos de revisión se publicaron en un anexo del inventario; lo enlazamos desde "
        "la página principal para que sea fácil encontrarlo.",
    ),
}
