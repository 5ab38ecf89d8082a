"""Sessions that end after inactivity, without a database write on every request; pages
that vary on HTMX; the environment a request works in."""

import time

from django.conf import settings
from django.utils.cache import patch_vary_headers

from dashboard import environments

from .reversing import urlconf

REFRESHED_AT = "_refreshed_at"


class SlidingSessionMiddleware:
    """Push a signed-in session's expiry forward on activity, at most once a minute.

    Django's SESSION_SAVE_EVERY_REQUEST would write the session on every request; a
    minute's precision on a 30-minute idle timeout is plenty.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id"):
            now = int(time.time())
            if now - session.get(REFRESHED_AT, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[REFRESHED_AT] = now
        return response


class VaryOnHtmxMiddleware:
    """A page and its HTMX partial share a URL: caches, and the browser's Back, must keep
    them apart (django-htmx's advice)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ["HX-Request"])
        return response


class EnvironmentMiddleware:
    """Serve a request in the environment its path names (`/production/...`), with that
    environment's URL configuration; other pages (the audit trail, sign-in) in the default
    one. The environment is `request.environment` and the service layer's current one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        first = request.path_info.lstrip("/").partition("/")[0]
        environment = environments.get(first) or environments.default()
        if environment != environments.default():
            request.urlconf = urlconf(environment.name)
        request.environment = environment
        with environments.override(environment.name):
            return self.get_response(request)
