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


class EditLock(models.Model):
    """A row per application saved through the dashboard. A save holds its row locked while
    it re-reads the application and writes it, so that two saves of one version, from any
    process or instance sharing this database, cannot both go through."""

    application_id = models.CharField(primary_key=True, max_length=200)

    def __str__(self) -> str:
        return self.application_id
