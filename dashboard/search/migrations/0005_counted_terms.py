from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_empty_index"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="indexedterm", name="index_env_term"),
        migrations.RemoveIndex(model_name="indexedapplication", name="index_env_name"),
        migrations.RemoveIndex(model_name="indexedapplication", name="index_env_created"),
        migrations.RemoveIndex(model_name="indexedapplication", name="index_env_type"),
        migrations.RemoveIndex(model_name="indexedapplication", name="index_env_client"),
        migrations.AddField(
            model_name="indexedterm",
            name="previous",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="indexedterm",
            name="application_type",
            field=models.CharField(default="", max_length=10),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="indexedterm",
            name="was_dynamically_registered",
            field=models.BooleanField(default=False),
        ),
        migrations.AlterField(
            model_name="indexedterm",
            name="application",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="terms",
                to="search.indexedapplication",
            ),
        ),
        migrations.AddIndex(
            model_name="indexedapplication",
            index=models.Index(
                fields=[
                    "environment",
                    "folded_name",
                    "application_id",
                    "application_type",
                    "was_dynamically_registered",
                ],
                name="index_env_name",
            ),
        ),
        migrations.AddIndex(
            model_name="indexedapplication",
            index=models.Index(
                fields=[
                    "environment",
                    "created_at",
                    "application_id",
                    "application_type",
                    "was_dynamically_registered",
                ],
                name="index_env_created",
            ),
        ),
        migrations.AddIndex(
            model_name="indexedapplication",
            index=models.Index(
                fields=["environment", "application_type", "was_dynamically_registered"],
                name="index_env_type",
            ),
        ),
        migrations.AddIndex(
            model_name="indexedapplication",
            index=models.Index(
                fields=[
                    "environment",
                    "client_id",
                    "application_type",
                    "was_dynamically_registered",
                ],
                name="index_env_client",
            ),
        ),
        migrations.AddIndex(
            model_name="indexedterm",
            index=models.Index(
                fields=[
                    "environment",
                    "term",
                    "previous",
                    "application_type",
                    "was_dynamically_registered",
                    "application",
                ],
                name="index_env_term",
                opclasses=[
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "bool_ops",
                    "int8_ops",
                ],
            ),
        ),
        migrations.AddIndex(
            model_name="indexedterm",
            index=models.Index(
                fields=["application", "term"],
                name="index_term_application",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
        ),
    ]
