"""The service layer: the only code that talks to the Connect API (WorkOS or embedded)."""

from .api import (
    application_create,
    application_delete,
    application_get,
    application_list,
    application_update,
    client_secret_create,
    client_secret_list,
    client_secret_revoke,
    organization_get,
    organization_list,
    permission_iter,
    permission_list,
)
from .client import backend
from .oauth import access_token_verify, client_credentials_token

__all__ = [
    "access_token_verify",
    "application_create",
    "application_delete",
    "application_get",
    "application_list",
    "application_update",
    "backend",
    "client_credentials_token",
    "client_secret_create",
    "client_secret_list",
    "client_secret_revoke",
    "organization_get",
    "organization_list",
    "permission_iter",
    "permission_list",
]
