from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "dashboard.organizations"
    label = "organizations"
    verbose_name = "Organizations and the consents their users gave"
