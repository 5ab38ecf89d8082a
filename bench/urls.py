from django.contrib import admin
from django.urls import path

from dashboard.urls import urlpatterns as dashboard_urlpatterns

urlpatterns = [path("admin/", admin.site.urls), *dashboard_urlpatterns]
