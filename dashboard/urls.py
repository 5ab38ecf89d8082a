from django.urls import include, path

urlpatterns = [
    path("emulator/", include("dashboard.emulator.urls")),
    path("", include("dashboard.web.urls")),
]
