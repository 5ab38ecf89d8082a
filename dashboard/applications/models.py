from django.db import models


class Access(models.Model):
    """Anchors the dashboard's permissions (the applications themselves live in the API)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_applications", "Can view applications and the audit trail"),
            ("change_applications", "Can create and edit applications"),
            ("delete_applications", "Can delete applications"),
            ("manage_client_secrets", "Can create and revoke client secrets"),
        ]

    def __str__(self) -> str:
        return "Dashboard access"
