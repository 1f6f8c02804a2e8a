"""The 32 federal entities of Mexico (31 states and Mexico City) as reference data.

Slugs are made from their common names; INEGI codes are text with their leading zero. The
public pages show a state once it has an action plan (StateQuerySet.active). A state that
already exists (by INEGI code) is left as it is, only given its OGP prefix when it has none.
The prefixes are those OGP uses for the states that have OGP Local plans.
"""

from django.db import migrations

def load_entities(apps, schema_editor):
    from states.entities import load_federal_entities

    load_federal_entities(apps.get_model("states", "State"))


class Migration(migrations.Migration):
    dependencies = [("states", "0003_municipalities_prefixes_aliases")]

    operations = [migrations.RunPython(load_entities, migrations.RunPython.noop)]
