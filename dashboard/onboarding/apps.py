from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "dashboard.onboarding"
    label = "onboarding"
    verbose_name = "Onboarding: hand-over and credential checks"
