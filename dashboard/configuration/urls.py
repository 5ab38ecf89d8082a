from django.urls import path

from . import views

app_name = "configuration"

urlpatterns = [
    path("", views.configuration_page, name="page"),
    path("export", views.configuration_export, name="export"),
    path("plan", views.configuration_plan, name="plan"),
    path("apply", views.configuration_apply, name="apply"),
]
