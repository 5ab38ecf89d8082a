"""Endpoints of the embedded User Management API: validate, call the store, serialize."""

from django.http import HttpRequest

from ..http import api_endpoint
from ..serializers import page
from . import serializers, store, validation

# The one code of User Management's 422 answers; the reason is in `errors`.
UNPROCESSABLE = "invalid_request_parameters"


@api_endpoint("GET", "POST", unprocessable_code=UNPROCESSABLE)
def users(request: HttpRequest, body: dict):
    if request.method == "POST":
        user = store.user_create(**validation.user_create(body))
        return 201, serializers.user(user)
    found = store.user_list(**validation.user_list(request.GET))
    return 200, page(found, serializers.user)


@api_endpoint("GET", unprocessable_code=UNPROCESSABLE)
def user(request: HttpRequest, body: dict, *, id: str):
    return 200, serializers.user(store.user_get(id))
