"""The authorization server's operations in the embedded API (bearer key, JSON): the
consents users gave, as authorized applications, and the completion of a Standalone
Connect sign-in."""

from django.http import HttpRequest, QueryDict

from dashboard.emulator import serializers
from dashboard.emulator.errors import FieldError, validation_failed
from dashboard.emulator.http import api_endpoint
from dashboard.emulator.pagination import ListQuery
from dashboard.emulator.user_management.views import UNPROCESSABLE
from dashboard.emulator.validation.fields import list_query

from . import consents, standalone
from .models import AuthorizedApplication


def _list_query(query: QueryDict) -> ListQuery:
    errors: list[FieldError] = []
    clean = list_query(query, errors, id_prefix=consents.AUTHORIZED_APPLICATION_ID_PREFIX)
    if errors:
        raise validation_failed(errors)
    return clean


def _authorized_application(authorization: AuthorizedApplication) -> dict:
    return {
        "object": "authorized_connect_application",
        "id": authorization.id,
        "granted_scopes": list(authorization.granted_scopes),
        "application": serializers.application(authorization.application),
    }


def _with_user(authorization: AuthorizedApplication) -> dict:
    return _authorized_application(authorization) | {"user_id": authorization.user_id}


@api_endpoint("GET")
def organization_authorized_applications(request: HttpRequest, body: dict, *, id: str):
    page = consents.authorized_applications_in_organization(id, _list_query(request.GET))
    return 200, serializers.page(page, _with_user)


@api_endpoint("GET", unprocessable_code=UNPROCESSABLE)
def user_authorized_applications(request: HttpRequest, body: dict, *, id: str):
    page = consents.authorized_applications_of_user(id, _list_query(request.GET))
    return 200, serializers.page(page, _authorized_application)


@api_endpoint("DELETE")
def user_authorized_application(request: HttpRequest, body: dict, *, id: str, application_id: str):
    consents.authorized_application_revoke(id, application_id)
    return 204, None


@api_endpoint("POST")
def oauth2_complete(request: HttpRequest, body: dict):
    redirect_uri = standalone.external_auth_complete(**standalone.complete_request(body))
    return 200, {"redirect_uri": redirect_uri}
