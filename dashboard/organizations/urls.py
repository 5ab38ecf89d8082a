from django.urls import path

from . import views

app_name = "organizations"

urlpatterns = [
    path("", views.organization_list, name="list"),
    path("new", views.organization_create, name="create"),
    path("<str:organization_id>/", views.organization_detail, name="detail"),
    path("<str:organization_id>/consents", views.organization_consents, name="consents"),
    path("<str:organization_id>/rename", views.organization_rename, name="rename"),
    path("<str:organization_id>/delete", views.organization_delete, name="delete"),
]
