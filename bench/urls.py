from django.contrib import admin
from django.urls import path

from dashboard.urls import urlconf
from dashboard.urls import urlpatterns as dashboard_urlpatterns

# Each environment's own URL configuration, as the project's root configuration gives it.
__all__ = ["urlconf", "urlpatterns"]

urlpatterns = [path("admin/", admin.site.urls), *dashboard_urlpatterns]
