from django.urls import include, path

urlpatterns = [
    path("emulator/", include("dashboard.emulator.urls")),
    path("applications/", include("dashboard.applications.urls")),
    path("applications/", include("dashboard.onboarding.urls")),
    path("audit/", include("dashboard.audit.urls")),
    path("", include("dashboard.web.urls")),
]
