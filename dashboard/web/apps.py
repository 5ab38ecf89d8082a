from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "dashboard.web"
    label = "web"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the dashboard's system checks
