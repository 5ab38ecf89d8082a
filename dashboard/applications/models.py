from django.db import models


class EditLock(models.Model):
    """A row per application saved through the dashboard. A save holds its row locked while
    it re-reads the application and writes it, so that two saves of one version, from any
    process or instance sharing this database, cannot both go through."""

    application_id = models.CharField(primary_key=True, max_length=200)

    def __str__(self) -> str:
        return self.application_id
