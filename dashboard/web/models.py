from django.conf import settings
from django.db import models

from .roles import ROLES


class EnvironmentRole(models.Model):
    """A user's role in one environment, in place of their global role (their groups) there:
    an Editor in the sandbox may be a Viewer in production. See `backends`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="environment_roles"
    )
    # An environment's name (dashboard.environments); a grant for a name no longer
    # configured gives nothing.
    environment = models.CharField(max_length=20)
    role = models.CharField(max_length=20, choices=[(role, role) for role in ROLES])

    class Meta:
        ordering = ["environment"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "environment"], name="one_role_per_user_and_environment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.role} in {self.environment}"
