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


class SignOnIdentity(models.Model):
    """Who a user is at an identity provider: its issuer and subject, never an email
    address alone (an address can be given to someone else; a subject is not reused)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_on_identities"
    )
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    last_sign_in_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_subject")
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class SignOnRole(models.Model):
    """A role that single sign-on gives one identity, its issuer and subject, decided in the
    dashboard: never read from a claim that whoever holds an API key of a managed environment
    could write (the trust model is in signon.py). The roles of the staff `quickstart` seeds
    at the embedded server, and those granted with `python manage.py sso_roles`."""

    # The provider's issuer URL, or EMBEDDED_ISSUER for the embedded authorization server
    # (whose URL is whatever host the dashboard is reached at).
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    # An environment's name, or "" for every environment (for an identity a sandbox issued,
    # every one but production's).
    environment = models.CharField(max_length=20, blank=True)
    role = models.CharField(max_length=20, choices=[(role, role) for role in ROLES])

    class Meta:
        ordering = ["issuer", "subject", "environment"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject", "environment"],
                name="one_sign_on_role_per_identity_and_environment",
            )
        ]

    def __str__(self) -> str:
        where = f" in {self.environment}" if self.environment else ""
        return f"{self.subject} at {self.issuer} is {self.role}{where}"


class EmbeddedSignOn(models.Model):
    """The client `quickstart` registered at the embedded authorization server, for the
    dashboard's own staff sign-in when no identity provider is configured. A public client
    (PKCE, no secret): there is nothing secret to keep here."""

    client_id = models.CharField(max_length=200)
    application_id = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.client_id


class Access(models.Model):
    """Anchors the dashboard's permissions, which every role is made of (roles.py); the
    applications themselves live in the API. Declared here, with the kernel's access and
    roles, under the app label the permissions were created with ("applications.view_…"),
    so that none is renamed."""

    class Meta:
        app_label = "applications"
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
