from django.db import migrations, models

# Events that belong to no environment.
SIGN_IN = ["sign_in", "sign_in_failed"]


def in_the_default_environment(apps, schema_editor):
    """Events from before there were several environments were all in the one there was,
    which the same configuration now makes the default."""
    from dashboard import environments

    apps.get_model("audit", "AuditEvent").objects.exclude(action__in=SIGN_IN).update(
        environment=environments.default().name
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_outcome_unknown"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="environment",
            field=models.CharField(blank=True, db_index=True, max_length=20),
        ),
        migrations.RunPython(in_the_default_environment, migrations.RunPython.noop),
    ]
