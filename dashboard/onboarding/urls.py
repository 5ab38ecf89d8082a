from django.urls import path, re_path

from . import views

app_name = "onboarding"

urlpatterns = [
    path("<str:application_id>/integrate", views.integrate, name="integrate"),
    re_path(
        r"^(?P<application_id>[^/]+)/integrate\.(?P<extension>json|env)$",
        views.handover,
        name="handover",
    ),
    path("<str:application_id>/check", views.credentials_check, name="check"),
]
