from django.apps import AppConfig


class PromotionConfig(AppConfig):
    name = "dashboard.promotion"
    label = "promotion"
    verbose_name = "Promotion: applications copied between environments"
