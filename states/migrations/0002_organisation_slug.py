"""Organisations get a slug, for their public page (/instituciones/<slug>/).

The column is added empty, filled row by row (organisations are a few hundred rows, not a
table that grows with use), then made unique and non-empty.
"""

from django.db import migrations, models


def fill_slugs(apps, schema_editor):
    from states.models import organisation_slug

    Organisation = apps.get_model("states", "Organisation")
    taken = set()
    for org in Organisation.objects.select_related("state").order_by("pk"):
        org.slug = organisation_slug(org.name, org.state, taken=taken)
        org.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [("states", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="slug",
            field=models.SlugField(db_index=False, default="", max_length=120, verbose_name="slug"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="organisation",
            name="slug",
            field=models.SlugField(
                blank=True,
                help_text="Leave empty to make it from the name and the state.",
                max_length=120,
                unique=True,
                verbose_name="slug",
            ),
        ),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=models.CheckConstraint(
                condition=models.Q(("slug", ""), _negated=True), name="organisation_slug_not_empty"
            ),
        ),
    ]
