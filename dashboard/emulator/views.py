"""Endpoints of the embedded Connect API: validate, call the store, serialize."""

from dataclasses import replace

from django.http import HttpRequest

from . import serializers, store, validation
from .errors import ApiProblem
from .http import BAD_REQUEST, api_endpoint


@api_endpoint("GET", "POST")
def applications(request: HttpRequest, body: dict):
    if request.method == "POST":
        app = store.application_create(**validation.application_create(body))
        return 201, serializers.application(app)
    page = store.application_list(**validation.application_list(request.GET))
    return 200, serializers.page(page, serializers.application)


@api_endpoint("GET", "PUT", "DELETE")
def application(request: HttpRequest, body: dict, *, id: str):
    app = store.application_get(id)
    if request.method == "PUT":
        app = store.application_update(app, validation.application_update(body, app))
    elif request.method == "DELETE":
        store.application_delete(app)
        return 204, None
    return 200, serializers.application(app)


@api_endpoint("GET", "POST")
def application_client_secrets(request: HttpRequest, body: dict, *, id: str):
    app = store.application_get(id)
    if request.method == "POST":
        validation.client_secret_create(body)
        secret, plaintext = store.client_secret_create(app)
        return 201, serializers.client_secret(secret) | {"secret": plaintext}
    return 200, [serializers.client_secret(secret) for secret in store.client_secret_list(app)]


@api_endpoint("DELETE")
def client_secret(request: HttpRequest, body: dict, *, id: str):
    store.client_secret_revoke(id)
    return 204, None


@api_endpoint("GET", "POST")
def organizations(request: HttpRequest, body: dict):
    if request.method == "POST":
        org = store.organization_create(**validation.organization_create(body))
        return 201, serializers.organization(org)
    page = store.organization_list(**validation.organization_list(request.GET))
    return 200, serializers.page(page, serializers.organization)


@api_endpoint("GET", "PUT", "DELETE")
def organization(request: HttpRequest, body: dict, *, id: str):
    if request.method == "DELETE":
        try:
            org = store.organization_get(id)
        except ApiProblem as missing:
            # The contract documents no 404 for a deletion: its one refusal is a 403.
            raise replace(missing, status=403) from None
        store.organization_delete(org)
        # The contract documents 200 and 202, both without a body: the deletion is accepted.
        return 202, None
    org = store.organization_get(id)
    if request.method == "PUT":
        org = store.organization_update(org, validation.organization_update(body))
    return 200, serializers.organization(org)


@api_endpoint("GET")
def organization_by_external_id(request: HttpRequest, body: dict, *, external_id: str):
    return 200, serializers.organization(store.organization_get_by_external_id(external_id))


# The contract's one 400 for creating a permission is `bad_request`: an unreadable body.
@api_endpoint("GET", "POST", unreadable_body=BAD_REQUEST)
def permissions(request: HttpRequest, body: dict):
    if request.method == "POST":
        perm = store.permission_create(**validation.permission_create(body))
        return 201, serializers.permission(perm)
    page = store.permission_list(**validation.permission_list(request.GET))
    return 200, serializers.page(page, serializers.permission)


@api_endpoint("GET", "PATCH", "DELETE")
def permission(request: HttpRequest, body: dict, *, slug: str):
    perm = store.permission_get(slug)
    if request.method == "PATCH":
        perm = store.permission_update(perm, validation.permission_update(body))
    elif request.method == "DELETE":
        store.permission_delete(perm)
        return 204, None
    return 200, serializers.permission(perm)


@api_endpoint("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", reads_body=False)
def unknown_path(request: HttpRequest, body: dict, **kwargs):
    raise ApiProblem(404, "not_found", f"No such endpoint: “{request.path}”.")
