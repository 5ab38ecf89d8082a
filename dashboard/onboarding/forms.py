from django import forms
from django.core.exceptions import ValidationError
from pydantic import SecretStr

from dashboard import rules

# Far longer than any client secret; a longer paste is not one.
MAX_SECRET = 512


class CredentialsCheckForm(forms.Form):
    """A client secret to check, once: pasted, or the one just created on the page."""

    client_secret = forms.CharField(
        max_length=MAX_SECRET,
        error_messages={"required": "Paste a client secret of this application to check it."},
    )
    scopes = forms.CharField(required=False, max_length=rules.MAX_QUERY_TEXT)
    # Set by the button beside a secret just created, for the audit trail's wording.
    new_secret = forms.BooleanField(required=False)
    # Where the check was asked from: the application page refreshes its secrets table.
    page = forms.ChoiceField(
        choices=[("application", "application"), ("integrate", "integrate")], required=False
    )

    def clean_scopes(self) -> str:
        scopes = self.cleaned_data["scopes"].split()
        for scope in scopes:
            try:
                rules.validate_scope(scope)
            except rules.RuleBroken as broken:
                raise ValidationError(f"“{scope}”: {broken.message}") from None
        return " ".join(scopes)

    @property
    def secret(self) -> SecretStr:
        return SecretStr(self.cleaned_data["client_secret"])


class TrySignInSecretForm(forms.Form):
    """A client secret that finishes a try of the sign-in for a confidential client: the
    code waits in the session, and the secret goes to that one exchange."""

    client_secret = forms.CharField(
        max_length=MAX_SECRET,
        error_messages={
            "required": "Paste a client secret of this application to exchange the code."
        },
    )

    @property
    def secret(self) -> SecretStr:
        return SecretStr(self.cleaned_data["client_secret"])
