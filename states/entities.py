"""Mexico's 32 federal entities (31 states and Mexico City): reference data.

Loaded by migration states/0004_federal_entities; tests that empty the database load them
again from here. Names are the common ones (the slugs are made from them); INEGI codes are
text, with their leading zero; the OGP prefixes are those of the states with OGP Local plans.
"""

ENTITIES = [
    ("01", "Aguascalientes", "aguascalientes", ""),
    ("02", "Baja California", "baja-california", ""),
    ("03", "Baja California Sur", "baja-california-sur", ""),
    ("04", "Campeche", "campeche", ""),
    ("05", "Coahuila", "coahuila", ""),
    ("06", "Colima", "colima", ""),
    ("07", "Chiapas", "chiapas", ""),
    ("08", "Chihuahua", "chihuahua", ""),
    ("09", "Ciudad de México", "ciudad-de-mexico", ""),
    ("10", "Durango", "durango", ""),
    ("11", "Guanajuato", "guanajuato", "MXGTO"),
    ("12", "Guerrero", "guerrero", ""),
    ("13", "Hidalgo", "hidalgo", ""),
    ("14", "Jalisco", "jalisco", "MXJL"),
    ("15", "Estado de México", "estado-de-mexico", ""),
    ("16", "Michoacán", "michoacan", ""),
    ("17", "Morelos", "morelos", ""),
    ("18", "Nayarit", "nayarit", ""),
    ("19", "Nuevo León", "nuevo-leon", "MXNLE"),
    ("20", "Oaxaca", "oaxaca", ""),
    ("21", "Puebla", "puebla", ""),
    ("22", "Querétaro", "queretaro", ""),
    ("23", "Quintana Roo", "quintana-roo", ""),
    ("24", "San Luis Potosí", "san-luis-potosi", ""),
    ("25", "Sinaloa", "sinaloa", ""),
    ("26", "Sonora", "sonora", ""),
    ("27", "Tabasco", "tabasco", ""),
    ("28", "Tamaulipas", "tamaulipas", ""),
    ("29", "Tlaxcala", "tlaxcala", ""),
    ("30", "Veracruz", "veracruz", ""),
    ("31", "Yucatán", "yucatan", ""),
    ("32", "Zacatecas", "zacatecas", ""),
]


def load_federal_entities(State):
    """Adds the entities missing from State (a model class, or a migration's historical
    one); a state that exists by INEGI code is left as it is, only given its OGP prefix."""
    for code, name, slug, prefix in ENTITIES:
        state = State.objects.filter(inegi_code=code).first()
        if state is None:
            taken = State.objects.filter(slug=slug) | State.objects.filter(name=name)
            if taken.exists():
                continue  # a row of another code took the name: left for a person to sort out
            State.objects.create(inegi_code=code, name=name, slug=slug, ogp_prefix=prefix)
        elif prefix and not state.ogp_prefix:
            state.ogp_prefix = prefix
            state.save(update_fields=["ogp_prefix"])
