"""The forms of the configuration page: a file to plan, and the plan to apply."""

from typing import Any

from django import forms
from django.template.defaultfilters import pluralize

from dashboard import environments

from . import services
from .document import InvalidDocument, Problem

# Larger files are for `manage.py connect`: the apply form sends the file back as a field,
# and Django refuses request bodies much above this (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB).
MAX_FILE_BYTES = 2_000_000


def too_large() -> str:
    """What a file too large for the page is told, uploaded or pasted."""
    return (
        f"The file is larger than {MAX_FILE_BYTES:,} bytes: apply it with "
        "`manage.py connect apply`."
    )


class PlanForm(forms.Form):
    """A file, uploaded or pasted, read against the current environment's rules: its
    cleaned `document` is ready to plan; `problems` says what is wrong with it otherwise."""

    upload = forms.FileField(label="Upload a file", required=False)
    text = forms.CharField(
        label="Or paste it",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )
    prune = forms.BooleanField(
        label="Delete the applications that the file does not list", required=False
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.problems: list[Problem] = []

    def refuse(self, message: str) -> None:
        """Fail with `message` alone: for a request whose form could not be read."""
        self.cleaned_data = {}
        self.add_error(None, message)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        upload, text = cleaned.get("upload"), cleaned.get("text") or ""
        if upload:
            if upload.size > MAX_FILE_BYTES:
                raise forms.ValidationError(too_large())
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text.") from None
        if not text.strip():
            raise forms.ValidationError("Upload a file or paste one.")
        if len(text.encode()) > MAX_FILE_BYTES:
            raise forms.ValidationError(too_large())
        try:
            cleaned["document"] = services.read(text)
        except InvalidDocument as invalid:
            self.problems = invalid.problems
            raise forms.ValidationError(
                f"The file cannot be applied to {environments.current().name}: "
                f"{len(invalid.problems)} problem{pluralize(invalid.problems)} (below). "
                "Nothing was changed."
            ) from None
        cleaned["text"] = text
        return cleaned


class ApplyForm(PlanForm):
    """The file again, with the fingerprint of the plan that was shown: only that plan is
    applied. Production also asks for the environment's name."""

    text = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    prune = forms.BooleanField(required=False, widget=forms.HiddenInput)
    fingerprint = forms.CharField(widget=forms.HiddenInput)
    confirm_environment = forms.CharField(
        label="Type the environment's name to confirm", required=False, strip=True
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        del self.fields["upload"]
        self.environment = environments.current()
        if not self.environment.production:
            del self.fields["confirm_environment"]

    def clean_confirm_environment(self) -> str:
        typed = self.cleaned_data["confirm_environment"]
        if typed != self.environment.name:
            raise forms.ValidationError(
                f"Type “{self.environment.name}” to apply these changes to production."
            )
        return typed
