import os

from django.apps import AppConfig


class AuthkitConfig(AppConfig):
    name = "dashboard.emulator.authkit"
    label = "authkit"
    verbose_name = "Embedded authorization server"

    def ready(self) -> None:
        # authlib's server refuses plain HTTP except on localhost and loopback addresses; the
        # embedded server is a local one, reached over plain HTTP under other names too (the
        # in-process transport's host, a test client's, a machine on the office network).
        os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
