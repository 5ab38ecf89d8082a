from django.apps import AppConfig


class SigninConfig(AppConfig):
    """Signing staff in: the password form, single sign-on, and quickstart's set-up."""

    name = "dashboard.signin"
    label = "signin"
    verbose_name = "Sign-in"
