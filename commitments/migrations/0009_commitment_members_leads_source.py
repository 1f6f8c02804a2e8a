"""Commitments name their OGP member (a municipality, or none for the state's own), can have
several lead institutions, and keep their published source.

The member's foreign key is added to a live table without holding writes: on PostgreSQL the
column is nullable and its constraint is added NOT VALID, then validated (a scan that does
not block writes), and it has no index.
"""

import django.db.models.deletion
from django.db import migrations, models


class AddForeignKeyNotValid(migrations.AddField):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        field = model._meta.get_field(self.name)
        q = schema_editor.quote_name
        table, column = model._meta.db_table, field.column
        target = field.remote_field.model._meta
        name = f"{table}_{column}_fk"
        schema_editor.execute(
            f"ALTER TABLE {q(table)} ADD COLUMN {q(column)} "
            f"{field.db_type(schema_editor.connection)} NULL"
        )
        schema_editor.execute(
            f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} FOREIGN KEY ({q(column)}) "
            f"REFERENCES {q(target.db_table)} ({q(target.pk.column)}) "
            "DEFERRABLE INITIALLY DEFERRED NOT VALID"
        )
        schema_editor.execute(f"ALTER TABLE {q(table)} VALIDATE CONSTRAINT {q(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0008_commitment_is_demo"),
        ("states", "0003_municipalities_prefixes_aliases"),
    ]

    operations = [
        migrations.AddField(
            model_name="commitment",
            name="co_lead_institutions",
            field=models.ManyToManyField(
                blank=True,
                help_text="Other institutions that lead the commitment with the first one.",
                related_name="co_led_commitments",
                to="states.organisation",
                verbose_name="co-lead institutions",
            ),
        ),
        AddForeignKeyNotValid(
            model_name="commitment",
            name="municipality",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="Empty when the commitment is the state's own.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="commitments",
                to="states.municipality",
                verbose_name="municipality (OGP member)",
            ),
        ),
        migrations.AddField(
            model_name="commitment",
            name="source_url",
            field=models.URLField(blank=True, max_length=500, verbose_name="source URL"),
        ),
    ]
