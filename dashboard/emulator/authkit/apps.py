from django.apps import AppConfig


class AuthkitConfig(AppConfig):
    name = "dashboard.emulator.authkit"
    label = "authkit"
    verbose_name = "Embedded authorization server"
