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
from .client import Backend, backend

__all__ = [
    "Backend",
    "application_create",
    "application_delete",
    "application_get",
    "application_list",
    "application_update",
    "backend",
    "client_secret_create",
    "client_secret_list",
    "client_secret_revoke",
    "organization_get",
    "organization_list",
    "permission_iter",
    "permission_list",
]
