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
    path("<str:application_id>/try-sign-in", views.try_sign_in, name="try"),
    path(
        "<str:application_id>/try-sign-in/callback",
        views.try_sign_in_callback,
        name="try-callback",
    ),
    path(
        "<str:application_id>/try-sign-in/callback/add",
        views.try_sign_in_callback_add,
        name="try-callback-add",
    ),
    path(
        "<str:application_id>/try-sign-in/callback/remove",
        views.try_sign_in_callback_remove,
        name="try-callback-remove",
    ),
]
