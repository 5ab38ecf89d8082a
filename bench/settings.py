"""Settings for the benchmarks: the project's, plus Django's admin to compare against."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from dashboard.settings import *  # noqa: E402, F403

# Measured like production: no debug query log, no debug toolbar of any kind.
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [*INSTALLED_APPS, "django.contrib.admin", "bench"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False}
AXES_ENABLED = False
