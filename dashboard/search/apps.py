from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "dashboard.search"
    verbose_name = "Search index"
