"""Links given as evidence, archived: a LinkArchive row per check, and on Evidence the copy
shown, the last check, the failed checks in a row and since when the link is broken.

On the live evidence table nothing holds writes: the new columns are nullable or have a
constant default, no index is built, and the copy's foreign key is added NOT VALID, then
validated (a scan that does not block writes), as in 0009.
"""

import commitments.models
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
        ('commitments', '0011_ranking_snapshots'),
    ]

    operations = [
        migrations.AddField(
            model_name='evidence',
            name='link_broken_since',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='link broken since'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='link_checked_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='link last checked'),
        ),
        migrations.AddField(
            model_name='evidence',
            name='link_failures',
            field=models.PositiveSmallIntegerField(default=0, editable=False, verbose_name='failed checks in a row'),
        ),
        migrations.CreateModel(
            name='LinkArchive',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('checked_at', models.DateTimeField(db_index=True, verbose_name='checked')),
                ('outcome', models.CharField(choices=[('archived', 'Archived: a new copy'), ('unchanged', 'Unchanged since the last copy'), ('http_status', 'The server answered with an error'), ('timeout', 'Timed out'), ('too_large', 'Too large'), ('refused_address', 'Refused: not a public address'), ('bad_url', 'Not a valid address'), ('dns', 'The host name does not exist'), ('connection', 'Connection failed'), ('tls', 'Secure connection (TLS) failed'), ('too_many_redirects', 'Too many redirects'), ('protocol', 'Not a valid web answer')], max_length=30, verbose_name='outcome')),
                ('detail', models.CharField(blank=True, max_length=500, verbose_name='detail')),
                ('http_status', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='HTTP status')),
                ('final_url', models.URLField(blank=True, max_length=2000, verbose_name='final URL')),
                ('declared_type', models.CharField(blank=True, max_length=200, verbose_name='declared content type')),
                ('content_type', models.CharField(blank=True, max_length=100, verbose_name='content type')),
                ('size', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='size (bytes)')),
                ('sha256', models.CharField(blank=True, max_length=64, verbose_name='SHA-256')),
                ('file', models.FileField(blank=True, max_length=200, upload_to=commitments.models.link_archive_upload_to, verbose_name='file')),
                ('evidence', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='archives', to='commitments.evidence', verbose_name='evidence')),
            ],
            options={
                'verbose_name': 'link check',
                'verbose_name_plural': 'link checks',
                'ordering': ['evidence', 'checked_at', 'id'],
                'get_latest_by': 'checked_at',
            },
        ),
        AddForeignKeyNotValid(
            model_name='evidence',
            name='archive',
            field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='commitments.linkarchive', verbose_name='archived copy'),
        ),
        migrations.AddConstraint(
            model_name='linkarchive',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(models.Q(('outcome', 'archived'), ('outcome', 'unchanged'), _connector='OR'), ('sha256__regex', '^[0-9a-f]{64}$'), ('size__isnull', False)), models.Q(models.Q(('outcome', 'archived'), _negated=True), models.Q(('outcome', 'unchanged'), _negated=True), ('sha256', ''), ('file', '')), _connector='OR'), name='link_archive_success_has_hash'),
        ),
        migrations.AddConstraint(
            model_name='linkarchive',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('file__gt', ''), ('outcome', 'archived')), models.Q(models.Q(('outcome', 'archived'), _negated=True), ('file', '')), _connector='OR'), name='link_archive_file_iff_archived'),
        ),
    ]
