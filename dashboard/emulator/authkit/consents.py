"""Consents: what users allowed applications at the authorize endpoint, as User Management
lists them (a user's authorized applications, an organization's), and their revocation.

Every grant of a user authorization is a consent, whose ID the tokens carry as `sid`: a
third-party application's after the consent screen, a first-party application's at once,
since it shows none. The consents of one user, application and organization make one
authorized application, whose scopes are all those ever granted.
"""

from django.db import IntegrityError, transaction

from dashboard.emulator import store
from dashboard.emulator.errors import ApiProblem
from dashboard.emulator.ids import new_id, now
from dashboard.emulator.models import Application
from dashboard.emulator.pagination import ListQuery, Page, paginate
from dashboard.emulator.user_management import store as users

from .models import AuthorizationCode, AuthorizedApplication, Consent, RefreshToken

AUTHORIZED_APPLICATION_ID_PREFIX = "authorized_connect_app_"
CONSENT_ID_PREFIX = "app_consent_"


def consent_record(
    *, user_id: str, app: Application, organization_id: str | None, scopes: list[str]
) -> Consent:
    """Record that the user allowed `app` these scopes for the organization (None for a
    first-party application); answers the consent."""
    authorizations = AuthorizedApplication.objects.filter(
        user_id=user_id, application=app, organization_id=organization_id
    )
    with transaction.atomic():
        authorization = authorizations.select_for_update(of=("self",)).first()
        if authorization is None:
            authorization_id, created = new_id(AUTHORIZED_APPLICATION_ID_PREFIX)
            try:
                with transaction.atomic():
                    AuthorizedApplication.objects.create(
                        id=authorization_id,
                        user_id=user_id,
                        application=app,
                        organization_id=organization_id,
                        granted_scopes=scopes,
                        created_at=created,
                        updated_at=created,
                    )
            except IntegrityError:
                # The same user allowed the same application at the same moment elsewhere.
                _add_scopes(authorizations.select_for_update(of=("self",)).get(), scopes)
        else:
            _add_scopes(authorization, scopes)
        return Consent.objects.create(
            id=new_id(CONSENT_ID_PREFIX)[0],
            user_id=user_id,
            client_id=app.client_id,
            organization_id=organization_id,
            scope=" ".join(scopes),
        )


def _add_scopes(authorization: AuthorizedApplication, scopes: list[str]) -> None:
    added = [scope for scope in scopes if scope not in authorization.granted_scopes]
    if added:
        authorization.granted_scopes = [*authorization.granted_scopes, *added]
        authorization.updated_at = now()
        authorization.save(update_fields=["granted_scopes", "updated_at"])


def authorized_applications_of_user(user_id: str, query: ListQuery) -> Page:
    user = users.user_get(user_id)
    authorizations = AuthorizedApplication.objects.filter(user=user)
    return paginate(authorizations.select_related("application"), query)


def authorized_applications_in_organization(organization_id: str, query: ListQuery) -> Page:
    organization = store.organization_get(organization_id)
    authorizations = AuthorizedApplication.objects.filter(organization=organization)
    return paginate(authorizations.select_related("application"), query)


@transaction.atomic
def authorized_application_revoke(user_id: str, application_id: str) -> None:
    """Revoke every consent the user gave the application (its ID or client ID): the
    authorization ends, and so do its refresh tokens and any code not yet exchanged. Access
    tokens already issued run out within minutes; the next sign-in asks consent again."""
    user = users.user_get(user_id)
    app = store.application_get(application_id)
    deleted, _ = AuthorizedApplication.objects.filter(user=user, application=app).delete()
    if not deleted:
        raise ApiProblem(
            404,
            "not_found",
            f"User '{user.id}' has not authorized the application '{application_id}'.",
        )
    granted_by = {"user_id": user.id, "client_id": app.client_id}
    Consent.objects.filter(**granted_by).delete()
    AuthorizationCode.objects.filter(**granted_by).delete()
    RefreshToken.objects.filter(**granted_by, revoked=False).update(revoked=True)
