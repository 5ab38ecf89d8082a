"""Django's admin over the embedded API's own application table: the baseline."""

from django.contrib import admin

from dashboard.emulator.models import Application


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "application_type",
        "client_id",
        "organization",
        "uses_pkce",
        "created_at",
    )
    list_select_related = ("organization",)
    list_per_page = 100
    ordering = ("-id",)
