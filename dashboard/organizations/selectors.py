"""What the organization pages and an application's consents section read: an
organization's applications, the consents given for it, and the users who gave them."""

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache

from dashboard import connect, environments
from dashboard.connect import errors
from dashboard.connect.models import ApplicationSummary, AuthorizedApplication, Page, User

USER_KEY = "organizations:{}:user:{}"
USER_TTL_SECONDS = 60
# Users are read one by one (the API lists them by creation, not by ID): at most this many
# per page, the others are shown by ID.
MAX_USER_READS = 25
CONSENTS_PAGE = 100
# Cached for a user who no longer exists, told apart from a user not looked up yet.
_GONE = "gone"


@dataclass(frozen=True)
class Consent:
    """A user's consent to an application, for an organization."""

    user_id: str
    user: User | None
    """None when the user could not be read (deleted, or too many to read at once)."""
    organization_id: str | None
    organization_name: str
    application: ApplicationSummary
    granted_scopes: list[str]
    created_at: datetime | None
    """When the user consented, if the API says: WorkOS's published shape does not."""

    @property
    def user_label(self) -> str:
        return self.user.email if self.user else self.user_id


def users_by_id(user_ids: set[str]) -> dict[str, User]:
    """The users that could be read, by ID: from a short-lived cache of the environment, or
    read from the API (at most MAX_USER_READS at a time)."""
    environment = environments.current().name
    keys = {USER_KEY.format(environment, user_id): user_id for user_id in user_ids}
    cached = cache.get_many(keys)
    found = {keys[key]: user for key, user in cached.items() if user != _GONE}
    for key in [key for key in keys if key not in cached][:MAX_USER_READS]:
        try:
            user = connect.user_get(user_id=keys[key])
        except errors.NotFoundError:
            cache.set(key, _GONE, USER_TTL_SECONDS)
            continue
        except errors.ApiError:
            break  # Names are a convenience: the rest are shown by ID.
        cache.set(key, user, USER_TTL_SECONDS)
        found[user.id] = user
    return found


def _consents(
    records: list[AuthorizedApplication], organization_id: str | None, organization_name: str
) -> list[Consent]:
    users = users_by_id({record.user_id for record in records if record.user_id})
    return [
        Consent(
            user_id=record.user_id or "",
            user=users.get(record.user_id or ""),
            organization_id=organization_id,
            organization_name=organization_name,
            application=record.application,
            granted_scopes=record.granted_scopes,
            created_at=record.created_at,
        )
        for record in records
    ]


def consent_of(
    record: AuthorizedApplication,
    user_id: str,
    organization_id: str | None,
    organization_name: str,
) -> Consent:
    """One consent of a user's own list (which names no user), with its user."""
    (consent,) = _consents(
        [record.model_copy(update={"user_id": user_id})], organization_id, organization_name
    )
    return consent


def applications_of(organization_id: str, *, limit: int = 100) -> tuple[list, bool]:
    """The organization's applications (every kind, as rows: one that cannot be read is an
    UnreadableRecord), newest first, and whether it has more than `limit`."""
    page = connect.application_list(organization_id=organization_id, limit=limit)
    return page.rows, page.has_more


def organization_consents(
    organization, *, before: str | None = None, after: str | None = None
) -> tuple[list[Consent], Page[AuthorizedApplication]]:
    """One page of the consents given for the organization, with their users, and the page
    (for its cursors and the records that could not be read)."""
    page = connect.organization_authorized_application_list(
        organization_id=organization.id, limit=CONSENTS_PAGE, before=before, after=after
    )
    return _consents(page.data, organization.id, organization.name), page


def application_consents(app, organization_name: str) -> list[Consent]:
    """Who consented to `app`, from the consents given for the application's organization.

    The API lists consents by organization or by user, never by application. Walking every
    organization (or every user) would cost one request each on every view of the page, which
    WorkOS's rate limits would not bear for long. A third-party application belongs to one
    organization, so that organization's consents are read (every page of them, usually one)
    and kept to this application's. A user may consent for another organization: those
    consents are on that organization's page, as the application's page says.
    """
    organization_id = getattr(app, "organization_id", None)
    if not organization_id:
        return []
    records = [
        record
        for record in connect.organization_authorized_application_iter(
            organization_id=organization_id
        )
        if record.application.id == app.id
    ]
    return _consents(records, organization_id, organization_name)
