import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("authkit", "0003_consents_and_external_auth"),
    ]

    operations = [
        migrations.CreateModel(
            name="Grant",
            fields=[
                ("id", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("client_id", models.CharField(max_length=40)),
                ("created_at", models.DateTimeField()),
                ("revoked_at", models.DateTimeField(null=True)),
            ],
        ),
        migrations.AddField(
            model_name="authorizationcode",
            name="used_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.CreateModel(
            name="ClientAuthFailure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=250)),
                ("at", models.DateTimeField()),
            ],
            options={
                "indexes": [models.Index(fields=["key", "at"], name="client_auth_failure_key_at")],
            },
        ),
        migrations.CreateModel(
            name="AccessToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token_sha256", models.CharField(max_length=64, unique=True)),
                ("expires_at", models.DateTimeField(db_index=True)),
                (
                    "grant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="access_tokens",
                        to="authkit.grant",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="authorizationcode",
            name="grant",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="codes",
                to="authkit.grant",
            ),
        ),
        migrations.AddField(
            model_name="refreshtoken",
            name="grant",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="refresh_tokens",
                to="authkit.grant",
            ),
        ),
    ]
