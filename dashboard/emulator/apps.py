from django.apps import AppConfig


class EmulatorConfig(AppConfig):
    name = "dashboard.emulator"
    label = "emulator"
    verbose_name = "Embedded Connect API"
