from django.apps import AppConfig


class KernelConfig(AppConfig):
    """What every feature of the dashboard shares; it imports no feature.

    Its label is the one this app had before it was the kernel ("web"), so that its tables
    and migrations are the same."""

    name = "dashboard.kernel"
    label = "web"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the dashboard's system checks
