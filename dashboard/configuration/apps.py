from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    name = "dashboard.configuration"
    label = "configuration"
    verbose_name = "Configuration as code"
