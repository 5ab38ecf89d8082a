from django.db import migrations


def empty_index(apps, schema_editor):
    """The index's terms gain what counting needs (0005): the applications' rows are removed,
    their terms and client secrets' dates with them, and the next sync rebuilds them (the
    worker's schedule asks for one at its next round: the index has never been complete).
    Credential health shows nothing until then. A migration of its own: on PostgreSQL the
    deletion's deferred checks must be committed before the next one alters the tables."""
    apps.get_model("search", "IndexedApplication").objects.all().delete()
    apps.get_model("search", "Sync").objects.update(completed_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_client_id_index"),
    ]

    operations = [
        migrations.RunPython(empty_index, migrations.RunPython.noop),
    ]
