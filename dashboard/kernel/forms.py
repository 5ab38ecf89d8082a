"""Confirmations every feature asks the same way.

Production guard rails: in a production environment, deleting an application, revoking a
client secret and changing redirect URIs ask for the environment's name as well, typed,
so that a change meant for the sandbox never reaches live customers from the wrong tab.
"""

from typing import Any

from django import forms

from dashboard import environments

CONFIRM_ENVIRONMENT = "confirm_environment"


def add_environment_confirmation(form: forms.Form, help_text: str = "") -> None:
    """In a production environment, give `form` the box for the environment's name."""
    form.environment = environments.current()
    if form.environment.production:
        form.fields[CONFIRM_ENVIRONMENT] = forms.CharField(
            required=False, max_length=100, help_text=help_text
        )


def check_environment_confirmation(form: forms.Form, what: str) -> None:
    """Unless the environment's name was typed, refuse `what` with an error next to the box."""
    typed = form.cleaned_data.get(CONFIRM_ENVIRONMENT, "")
    name = form.environment.name
    if typed == name:
        return
    if not typed:
        message = f"This is {form.environment.label}: type {name} as well to confirm {what}."
    else:
        message = f"“{typed}” is not this environment’s name: type {name} to confirm {what}."
    form.add_error(CONFIRM_ENVIRONMENT, message)


class GuardedConfirmation(forms.Form):
    """A confirmation that, in production, also asks for the environment's name."""

    # What is confirmed, as the messages say it: "revoking the secret".
    what = ""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        add_environment_confirmation(self)

    def clean(self) -> dict:
        cleaned = super().clean()
        if CONFIRM_ENVIRONMENT in self.fields:
            check_environment_confirmation(self, self.what)
        return cleaned
