from django.http import HttpRequest

from dashboard.connect import backend as current_backend


def backend(request: HttpRequest) -> dict:
    """Which API the dashboard is managing, for the header of every page."""
    return {"backend": current_backend()}
