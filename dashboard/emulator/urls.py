from django.urls import include, path, re_path

from . import views
from .authkit import api as authkit_api
from .authkit import urls as authkit_urls
from .user_management import views as user_management

app_name = "emulator"

urlpatterns = [
    path("connect/applications", views.applications, name="applications"),
    path("connect/applications/<str:id>", views.application, name="application"),
    path(
        "connect/applications/<str:id>/client_secrets",
        views.application_client_secrets,
        name="application-client-secrets",
    ),
    path("connect/client_secrets/<str:id>", views.client_secret, name="client-secret"),
    path("organizations", views.organizations, name="organizations"),
    path("organizations/<str:id>", views.organization, name="organization"),
    path(
        "organizations/external_id/<str:external_id>",
        views.organization_by_external_id,
        name="organization-by-external-id",
    ),
    path("authorization/permissions", views.permissions, name="permissions"),
    path("authorization/permissions/<str:slug>", views.permission, name="permission"),
    # End users (User Management).
    path("user_management/users", user_management.users, name="users"),
    path("user_management/users/<str:id>", user_management.user, name="user"),
    # Consents (authorized applications) and Standalone Connect's completed sign-ins.
    path(
        "organizations/<str:id>/authorized_applications",
        authkit_api.organization_authorized_applications,
        name="organization-authorized-applications",
    ),
    path(
        "user_management/users/<str:id>/authorized_applications",
        authkit_api.user_authorized_applications,
        name="user-authorized-applications",
    ),
    path(
        "user_management/users/<str:id>/authorized_applications/<str:application_id>",
        authkit_api.user_authorized_application,
        name="user-authorized-application",
    ),
    path("authkit/oauth2/complete", authkit_api.oauth2_complete, name="authkit-oauth2-complete"),
    # The authorization server of Connect (on an AuthKit domain at WorkOS), one per
    # environment: the sandbox's at the embedded API's base URL, production's below it.
    path("", include("dashboard.emulator.authkit.urls")),
    path(
        "production/",
        include((authkit_urls.urlpatterns, "authkit"), namespace="production"),
        {"environment": "production"},
    ),
    re_path(r"^.*$", views.unknown_path, name="unknown"),
]
