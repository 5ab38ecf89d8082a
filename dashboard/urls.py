"""The dashboard's URLs. An environment's pages live under its name
(`/sandbox/applications/...`, `/production/applications/...`), so that a shared link never
opens another environment; the audit trail, sign-in and the embedded API are shared.

Each environment has its own URL configuration, with the same URL names: the request
middleware (dashboard.kernel.middleware.EnvironmentMiddleware) serves a request with its
environment's, so `reverse()` and `{% url %}` give links within the environment the page
is in. This module's own patterns are the default environment's, for work done outside a
request; `dashboard.kernel.reversing.environment_reverse` links into another environment.
"""

import types
from functools import cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import clear_url_caches, include, path
from django.views.generic import RedirectView

from dashboard import environments


class _Moved(RedirectView):
    """A link from before environments: the same page in the default environment."""

    permanent = False

    def get_redirect_url(self, *args, rest: str = "", **kwargs) -> str:
        url = f"/{environments.default().name}/applications/{rest}"
        query = self.request.META.get("QUERY_STRING", "")
        return f"{url}?{query}" if query else url


def _patterns(name: str) -> list:
    return [
        path(f"{name}/applications/", include("dashboard.applications.urls")),
        path(f"{name}/applications/", include("dashboard.onboarding.urls")),
        path(f"{name}/configuration/", include("dashboard.configuration.urls")),
        path(f"{name}/health/", include("dashboard.search.urls")),
        path(f"{name}/applications/", include("dashboard.promotion.urls")),
        path(f"{name}/applications/", include("dashboard.organizations.consent_urls")),
        path(f"{name}/organizations/", include("dashboard.organizations.urls")),
        path("emulator/", include("dashboard.emulator.urls")),
        path("audit/", include("dashboard.audit.urls")),
        path("applications/<path:rest>", _Moved.as_view()),
        path("applications/", _Moved.as_view()),
        path("", include("dashboard.signin.urls")),
    ]


@cache
def urlconf(name: str) -> types.ModuleType:
    """The URL configuration of environment `name`, as `request.urlconf` takes it."""
    module = types.ModuleType(f"dashboard.urls.{name}")
    module.urlpatterns = _patterns(name)
    return module


def __getattr__(attribute: str):
    # Read when the URL resolver is built (again after a WORKOS_ setting changes in tests).
    if attribute == "urlpatterns":
        return urlconf(environments.default().name).urlpatterns
    raise AttributeError(attribute)


@receiver(setting_changed)
def _environments_changed(*, setting: str, **kwargs) -> None:
    if setting.startswith("WORKOS_"):
        urlconf.cache_clear()
        clear_url_caches()
