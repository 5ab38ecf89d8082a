"""The dashboard's three roles, as Django groups, and what each may do."""

VIEW = "applications.view_applications"
CHANGE = "applications.change_applications"
DELETE = "applications.delete_applications"
SECRETS = "applications.manage_client_secrets"

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


def roles_allowing(permission: str) -> list[str]:
    """The roles that hold `permission`, the least first: ["Editor", "Admin"]."""
    codename = permission.partition(".")[2]
    return [role for role, codenames in ROLES.items() if codename in codenames]


def ensure_roles(group_model, permission_model) -> None:
    """Create the role groups with exactly their permissions (models passed in, so that
    the migration can use its historical ones)."""
    for role, codenames in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.set(
            permission_model.objects.filter(
                content_type__app_label="applications", codename__in=codenames
            )
        )
