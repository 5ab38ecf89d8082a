"""An httpx transport that carries requests to the embedded API inside this process.

The dashboard's service layer speaks HTTP to the embedded API exactly as it would to
api.workos.com, same JSON both ways, but without a socket: a dashboard request never
waits on a second request to its own server, so a single-threaded server works too.
"""

import io
import sys
from urllib.parse import unquote_to_bytes

import httpx
from django.core.handlers.wsgi import WSGIRequest
from django.urls import Resolver404, resolve

from . import faults
from .http import IN_PROCESS


def _environ(request: httpx.Request, body: bytes) -> dict:
    raw_path, _, query = request.url.raw_path.partition(b"?")
    environ = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        # WSGI carries the decoded path as latin-1, as a real server would.
        "PATH_INFO": unquote_to_bytes(raw_path).decode("latin-1"),
        "QUERY_STRING": query.decode("latin-1"),
        "SERVER_NAME": request.url.host or "embedded",
        # The default port of the scheme, which Django leaves out of the host it builds
        # URLs (and an issuer) with.
        "SERVER_PORT": str(request.url.port or (443 if request.url.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.url.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        IN_PROCESS: True,
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key not in ("CONTENT_LENGTH", "HOST"):
            environ[f"HTTP_{key}"] = value
    return environ


class EmbeddedTransport(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        django_request = WSGIRequest(_environ(request, request.read()))
        try:
            match = resolve(django_request.path_info)
        except Resolver404:
            return httpx.Response(404, json={"message": "Not found.", "code": "not_found"})
        # Every environment's API and authorization server (production's is
        # `emulator:production`), nothing of the dashboard's own pages.
        if match.namespaces[:1] != ["emulator"]:
            return httpx.Response(404, json={"message": "Not an API path.", "code": "not_found"})
        try:
            response = match.func(django_request, *match.args, **match.kwargs)
        except faults.Hang:
            raise httpx.ReadTimeout("The embedded API did not answer.", request=request) from None
        except faults.Drop:
            raise httpx.RemoteProtocolError(
                "The embedded API closed the connection without answering.", request=request
            ) from None
        return httpx.Response(
            response.status_code, headers=list(response.items()), content=response.content
        )
