"""An application's consents, under the application's URL."""

from django.urls import path

from . import views

app_name = "consents"

urlpatterns = [
    path("<str:application_id>/consents", views.consent_list, name="list"),
    path(
        "<str:application_id>/consents/<str:user_id>/revoke",
        views.consent_revoke,
        name="revoke",
    ),
]
