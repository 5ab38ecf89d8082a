"""Pydantic models of the Connect API's objects and request bodies.

Response models accept fields they do not know, so a newer API does not break the
dashboard; an `application_type` they do not know becomes an `UnknownApplication`, and a
record of a list that cannot be read at all an `UnreadableRecord` beside the others.
Request models produce exactly the JSON the contract expects.
"""

from functools import cache
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    SecretStr,
    Tag,
    create_model,
    model_validator,
)

from dashboard import api_fields


class ApiObject(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class RedirectUri(ApiObject):
    uri: str
    default: bool = False


class ApplicationBase(ApiObject):
    object: str = "connect_application"
    id: str
    client_id: str
    name: str
    description: str | None = None
    scopes: list[str] = []
    created_at: AwareDatetime
    updated_at: AwareDatetime


class OAuthApplication(ApplicationBase):
    application_type: Literal["oauth"]
    redirect_uris: list[RedirectUri] = []
    uses_pkce: bool = False
    is_first_party: bool
    cors_origins: list[str] = []
    was_dynamically_registered: bool = False
    # Set on third-party apps; dynamically registered apps may have none.
    organization_id: str | None = None

    @property
    def registration(self) -> Literal["first_party", "third_party", "dynamic"]:
        if self.is_first_party:
            return "first_party"
        return "dynamic" if self.was_dynamically_registered else "third_party"

    @property
    def default_redirect_uri(self) -> str | None:
        return next((entry.uri for entry in self.redirect_uris if entry.default), None)


class M2MApplication(ApplicationBase):
    application_type: Literal["m2m"]
    organization_id: str


class UnknownApplication(ApplicationBase):
    """An application type this dashboard does not know yet; shown read-only."""

    application_type: str


def _application_kind(value: Any) -> str:
    if isinstance(value, dict):
        kind = value.get("application_type")
    else:
        kind = getattr(value, "application_type", None)
    return kind if kind in ("oauth", "m2m") else "unknown"


Application = Annotated[
    Annotated[OAuthApplication, Tag("oauth")]
    | Annotated[M2MApplication, Tag("m2m")]
    | Annotated[UnknownApplication, Tag("unknown")],
    Discriminator(_application_kind),
]


class ClientSecret(ApiObject):
    object: str = "connect_application_secret"
    id: str
    secret_hint: str
    last_used_at: AwareDatetime | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime


class NewClientSecret(ClientSecret):
    """A secret just created: the only time its plaintext exists outside WorkOS."""

    # SecretStr keeps the plaintext out of repr(), logs and tracebacks.
    secret: SecretStr


class OrganizationDomain(ApiObject):
    object: str = "organization_domain"
    id: str
    domain: str
    state: str | None = None


class Organization(ApiObject):
    object: str = "organization"
    id: str
    name: str
    domains: list[OrganizationDomain] = []
    metadata: dict[str, str] = {}
    external_id: str | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ApplicationSummary(ApiObject):
    """An application as an authorization names it: fewer fields than `Application` (no
    `application_type`), so it is its own model."""

    object: str = "connect_application"
    id: str
    client_id: str
    name: str
    description: str | None = None
    scopes: list[str] = []


class AuthorizedApplication(ApiObject):
    """A user's consent to a third-party application: what the user granted it."""

    object: str = "authorized_connect_application"
    id: str
    granted_scopes: list[str] = []
    application: ApplicationSummary
    user_id: str | None = None
    """The user who authorized it: set in an organization's list, absent in a user's own."""
    oauth_resource: str | None = None
    """The resource the access was asked for, if the application named one."""
    created_at: AwareDatetime | None = None
    """When the user consented. Not in WorkOS's published shape: shown when an API sends it."""


class User(ApiObject):
    object: str = "user"
    id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @property
    def display_name(self) -> str:
        """ "Alice Smith" when the user has a name, else the email address."""
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or self.email


class Permission(ApiObject):
    object: str = "permission"
    id: str
    slug: str
    name: str
    description: str | None = None
    system: bool = False
    resource_type_slug: str | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime


class UnreadableRecord(BaseModel):
    """A record of a list that is not what its model expects (WorkOS may send what the
    dashboard did not expect): shown as unreadable instead of failing the whole list."""

    model_config = ConfigDict(frozen=True)

    # Tells a template's row apart from a record.
    unreadable: ClassVar[bool] = True

    kind: str
    """What the list holds: "application", "organization", "permission"."""
    id: str | None
    """The record's ID, or None when even that could not be read."""
    problem: str
    """What was wrong, naming the field; never the value, which may be anything."""
    position: int
    """Where the record stood in the API's page."""


class Page[T](BaseModel):
    """One page of a list. `before`/`after` are the API's cursors, passed back as they are.

    `data` holds the records that could be read, `unreadable` the others; `rows` is both, in
    the API's order."""

    model_config = ConfigDict(frozen=True)

    data: list[T]
    unreadable: list[UnreadableRecord] = []
    before: str | None = None
    after: str | None = None
    # Whether a page follows this one in the listing order that was asked for.
    has_more: bool = False

    @property
    def rows(self) -> list[T | UnreadableRecord]:
        rows: list[T | UnreadableRecord] = list(self.data)
        for record in sorted(self.unreadable, key=lambda record: record.position):
            rows.insert(record.position, record)
        return rows


# --- Request bodies ----------------------------------------------------------------------------


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class RedirectUriInput(RequestBody):
    uri: str
    default: bool = False


class ApplicationRequest(RequestBody):
    """A request about an application: its fields are the table's (`dashboard.api_fields`),
    typed by their kind of value, as the table says them at each request. Fields left as
    None are not sent."""

    model_config = ConfigDict(extra="allow", frozen=True)

    # The application type the request is about, or None for any (an update).
    kind: ClassVar[str | None] = None
    # Whether it creates the application: every field may be set, the required ones must.
    creates: ClassVar[bool] = False

    @model_validator(mode="before")
    @classmethod
    def _the_tables_fields(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        own = {name: value for name, value in data.items() if name in cls.model_fields}
        table = _table_model(cls, api_fields.FIELDS)
        return own | dict(table(**{n: v for n, v in data.items() if n not in own}))


_VALUE_TYPES: dict[str, Any] = {
    "name": str,
    "multiline": str,
    "text": str,
    "organization": str,
    "pkce": bool,
    "redirect_uris": list[RedirectUriInput],
    "origins": list[str],
    "scopes": list[str],
}


@cache
def _table_model(
    request: type[ApplicationRequest], table: tuple[api_fields.ApiField, ...]
) -> type[RequestBody]:
    """The fields of `request` that the table declares, as a model of their own."""
    definitions: dict[str, Any] = {}
    for field in table:
        if request.kind is not None and request.kind not in field.kinds:
            continue
        if not (field.editable or request.creates):
            continue
        value_type = _VALUE_TYPES[field.value]
        if request.creates and request.kind in field.required:
            definitions[field.name] = (value_type, ...)
        else:
            definitions[field.name] = (value_type | None, None)
    return create_model(f"{request.__name__}Fields", __base__=RequestBody, **definitions)


class OAuthApplicationCreate(ApplicationRequest):
    kind = "oauth"
    creates = True

    application_type: Literal["oauth"] = "oauth"
    # Required for third-party apps, refused for first-party ones (then organization_id).
    is_first_party: bool


class M2MApplicationCreate(ApplicationRequest):
    kind = "m2m"
    creates = True

    application_type: Literal["m2m"] = "m2m"


class OrganizationDomainInput(RequestBody):
    domain: str
    state: Literal["pending", "verified"] = "pending"


class OrganizationCreate(RequestBody):
    name: str
    domain_data: list[OrganizationDomainInput] | None = None


class OrganizationUpdate(RequestBody):
    """Fields left as None stay unchanged."""

    name: str | None = None


class ApplicationUpdate(ApplicationRequest):
    """Fields left as None stay unchanged; a list that is sent replaces the whole list.

    An empty text (`description`) clears it.
    """
