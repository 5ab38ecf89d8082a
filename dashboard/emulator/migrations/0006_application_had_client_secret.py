from django.db import migrations, models


def mark_applications_with_a_secret(apps, schema_editor):
    """An application with a secret today has had one; one whose secrets were all revoked
    left no trace, and stays a public client."""
    Application = apps.get_model("emulator", "Application")
    Application.objects.filter(client_secrets__isnull=False).update(had_client_secret=True)


class Migration(migrations.Migration):
    dependencies = [
        ("emulator", "0005_organization_stripe_customer_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="had_client_secret",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_applications_with_a_secret, migrations.RunPython.noop),
    ]
