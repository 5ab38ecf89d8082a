from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("", views.application_list, name="list"),
    path("go", views.application_go, name="go"),
    path("index", views.index_status, name="index-status"),
    path("new", views.application_create, name="create"),
    path("organizations", views.organization_options, name="organization-options"),
    path("<str:application_id>/", views.application_detail, name="detail"),
    path("<str:application_id>/edit", views.application_edit, name="edit"),
    path("<str:application_id>/delete", views.application_delete, name="delete"),
    path("<str:application_id>/redirect-test", views.redirect_test, name="redirect-test"),
    path("<str:application_id>/secrets", views.secret_list, name="secrets"),
    path("<str:application_id>/secrets/new", views.secret_create, name="secret-create"),
    path(
        "<str:application_id>/secrets/<str:secret_id>/revoke",
        views.secret_revoke,
        name="secret-revoke",
    ),
]
