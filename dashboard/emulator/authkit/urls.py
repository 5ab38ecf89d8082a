from django.urls import path

from . import views

# Included in the embedded API's URLs: the issuer is the embedded API's base URL.
urlpatterns = [
    path(".well-known/oauth-authorization-server", views.metadata, name="authkit-metadata"),
    path(
        ".well-known/openid-configuration",
        views.openid_configuration,
        name="authkit-openid-configuration",
    ),
    path("oauth2/authorize", views.authorize, name="authkit-authorize"),
    path(
        "oauth2/authorize/complete",
        views.authorize_complete,
        name="authkit-authorize-complete",
    ),
    path("oauth2/jwks", views.jwks, name="authkit-jwks"),
    path("oauth2/token", views.token, name="authkit-token"),
    path("oauth2/userinfo", views.userinfo, name="authkit-userinfo"),
]
