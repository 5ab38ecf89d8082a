"""The `connect` command and records made in either environment of the embedded API, for
the tests of export, plan and apply."""

import io

from django.core.management import call_command

from dashboard.emulator import partition, store
from dashboard.emulator.models import Application


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def connect(*args: str, stdout=None, stderr=None) -> tuple[str, str]:
    out, err = stdout or io.StringIO(), stderr or io.StringIO()
    call_command("connect", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def organization(name: str, environment: str = "sandbox"):
    with partition.override(environment):
        return store.organization_create(name=name, domains=[], metadata={}, external_id=None)


def application(environment: str = "sandbox", **fields):
    with partition.override(environment):
        return store.application_create(**fields)


def names(environment: str) -> list[str]:
    with partition.override(environment):
        return sorted(Application.objects.values_list("name", flat=True))
