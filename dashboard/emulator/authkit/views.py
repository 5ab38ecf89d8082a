"""Endpoints of the embedded authorization server: discovery, keys and tokens."""

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from dashboard.emulator.http import emulator_enabled

from .keys import ALGORITHM, public_jwks
from .server import SECRET_AUTH_METHODS, AuthorizationServer


def issuer(request: HttpRequest) -> str:
    """The embedded API's base URL, as the client reached it: the issuer of its tokens."""
    return request.build_absolute_uri(reverse("emulator:authkit-jwks")).removesuffix("/oauth2/jwks")


def _served(request: HttpRequest) -> None:
    if not emulator_enabled():
        raise Http404("The embedded API is off: WORKOS_API_KEY is set.")


@require_GET
def metadata(request: HttpRequest) -> JsonResponse:
    """RFC 8414 authorization server metadata."""
    _served(request)
    base = issuer(request)
    return JsonResponse(
        {
            "issuer": base,
            "token_endpoint": f"{base}/oauth2/token",
            "jwks_uri": f"{base}/oauth2/jwks",
            "grant_types_supported": ["client_credentials"],
            "response_types_supported": [],
            "token_endpoint_auth_methods_supported": SECRET_AUTH_METHODS,
            "token_endpoint_auth_signing_alg_values_supported": [ALGORITHM],
        }
    )


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    _served(request)
    return JsonResponse(public_jwks())


@csrf_exempt
@require_POST
@never_cache
def token(request: HttpRequest) -> HttpResponse:
    """The token endpoint: RFC 6749 answers and errors, for the grants the server has."""
    _served(request)
    return AuthorizationServer(issuer(request)).create_token_response(request)
