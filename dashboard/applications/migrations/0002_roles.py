from django.contrib.auth.management import create_permissions
from django.db import migrations

# The roles as this migration made them: a copy, not an import of the live definitions
# (dashboard/kernel/roles.py), so that changing those later cannot change what it did.
ROLES = {
    "Viewer": ["view_applications"],
    "Editor": ["view_applications", "change_applications"],
    "Admin": [
        "view_applications",
        "change_applications",
        "delete_applications",
        "manage_client_secrets",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    app_config = apps.get_app_config("applications")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group, Permission = apps.get_model("auth", "Group"), apps.get_model("auth", "Permission")
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="applications", codename__in=codenames
            )
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0001_access"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
