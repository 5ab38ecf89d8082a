from django.db import migrations


def reindex_redirect_uris(apps, schema_editor):
    """A redirect URI's host is now found by the domains above it ("acme.com" finds
    login.acme.com). The rows with redirect URIs forget them, so that the next sync, or the
    next page that reads such an application, sees them as changed and writes their terms
    again; the list keeps showing every application meanwhile."""
    rows = apps.get_model("search", "IndexedApplication").objects.exclude(redirect_uris=[])
    rows.update(redirect_uris=[])


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0006_ids_by_pattern"),
    ]

    operations = [
        migrations.RunPython(reindex_redirect_uris, migrations.RunPython.noop),
    ]
