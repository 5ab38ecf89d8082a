"""Sessions that end after inactivity, without a database write on every request."""

import time

from django.conf import settings
from django.utils.cache import patch_vary_headers

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
