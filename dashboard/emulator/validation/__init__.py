"""Request validation of the embedded API: JSON bodies and query strings in, clean values out.

Every rule of the contract and of the API notes lives here, one module per resource, on
top of the field rules shared with the dashboard's forms (`dashboard.rules`,
`dashboard.uris`). A request with any problem is refused whole with one answer listing
every field at fault, so a refused request never changes anything.
"""

from .applications import application_create, application_list, application_update
from .client_secrets import client_secret_create
from .organizations import organization_create, organization_list, organization_update
from .permissions import permission_create, permission_list, permission_update

__all__ = [
    "application_create",
    "application_list",
    "application_update",
    "client_secret_create",
    "organization_create",
    "organization_list",
    "organization_update",
    "permission_create",
    "permission_list",
    "permission_update",
]
