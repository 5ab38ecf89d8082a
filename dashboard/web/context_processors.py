from django.http import HttpRequest

from dashboard import environments
from dashboard.connect import backend as current_backend
from dashboard.urls import environment_reverse


def backend(request: HttpRequest) -> dict:
    """Which environment the page is in, and the others to switch to, for every header."""
    current = current_backend()
    others = [
        (environment, environment_reverse(environment.name, "applications:list"))
        for environment in environments.all()
    ]
    return {"backend": current, "environments": others if len(others) > 1 else []}
