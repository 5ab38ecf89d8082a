"""The index is a copy of the API, rebuilt by the next sync: its tables are made again with
the organizations, search terms and client secrets' dates beside the applications."""

from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0001_index"),
    ]

    operations = [
        migrations.DeleteModel(name='IndexedApplication'),
        migrations.DeleteModel(name='Sync'),
        migrations.CreateModel(
            name='Sync',
            fields=[
                ('environment', models.CharField(max_length=20, primary_key=True, serialize=False)),
                ('requested_at', models.DateTimeField(null=True)),
                ('started_at', models.DateTimeField(null=True)),
                ('heartbeat_at', models.DateTimeField(null=True)),
                ('ended_at', models.DateTimeField(null=True)),
                ('completed_at', models.DateTimeField(null=True)),
                ('error', models.TextField(blank=True)),
                ('phase', models.CharField(blank=True, max_length=20)),
                ('seen', models.PositiveIntegerField(default=0)),
                ('expected', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='IndexedApplication',
            fields=[
                ('row_id', models.BigAutoField(primary_key=True, serialize=False)),
                ('environment', models.CharField(max_length=20)),
                ('application_id', models.CharField(max_length=200)),
                ('client_id', models.CharField(max_length=200)),
                ('name', models.CharField(max_length=255)),
                ('folded_name', models.CharField(max_length=255)),
                ('application_type', models.CharField(max_length=10)),
                ('is_first_party', models.BooleanField(null=True)),
                ('was_dynamically_registered', models.BooleanField(default=False)),
                ('uses_pkce', models.BooleanField(null=True)),
                ('organization_id', models.CharField(blank=True, max_length=200)),
                ('organization_name', models.CharField(blank=True, max_length=255)),
                ('redirect_uris', models.JSONField(default=list)),
                ('scopes', models.JSONField(default=list)),
                ('created_at', models.DateTimeField()),
                ('indexed_at', models.DateTimeField()),
                ('secrets_checked_at', models.DateTimeField(null=True)),
            ],
            options={
                'indexes': [models.Index(fields=['environment', 'folded_name'], name='index_env_name'), models.Index(fields=['environment', 'created_at'], name='index_env_created'), models.Index(fields=['environment', 'application_type'], name='index_env_type')],
                'constraints': [models.UniqueConstraint(fields=('environment', 'application_id'), name='one_row_per_application')],
            },
        ),
        migrations.CreateModel(
            name='IndexedOrganization',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('environment', models.CharField(max_length=20)),
                ('organization_id', models.CharField(max_length=200)),
                ('name', models.CharField(max_length=255)),
                ('indexed_at', models.DateTimeField()),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('environment', 'organization_id'), name='one_row_per_organization')],
            },
        ),
        migrations.CreateModel(
            name='IndexedSecret',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('secret_id', models.CharField(max_length=200)),
                ('secret_hint', models.CharField(blank=True, max_length=20)),
                ('created_at', models.DateTimeField()),
                ('last_used_at', models.DateTimeField(null=True)),
                ('application', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='secrets', to='search.indexedapplication')),
            ],
        ),
        migrations.CreateModel(
            name='IndexedTerm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('environment', models.CharField(max_length=20)),
                ('term', models.CharField(max_length=255)),
                ('application', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='terms', to='search.indexedapplication')),
            ],
            options={
                'indexes': [models.Index(fields=['environment', 'term'], name='index_env_term', opclasses=['varchar_pattern_ops', 'varchar_pattern_ops'])],
            },
        ),
    ]
