from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="applications:list"), name="home"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("sso/start", views.sso_start, name="sso-start"),
    path("sso/callback", views.sso_callback, name="sso-callback"),
]
