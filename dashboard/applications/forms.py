"""The create and edit forms, built from the table of application fields.

Every form field cleans to the API's value, so a form's cleaned data is the request.
Redirect URIs are rows that the user adds and removes with submit buttons
(`action=add-uri`, `action=remove-uri-N`), so the form works the same with and without
JavaScript; `rearranged()` answers such an action with the form as it should look next.
The API's own 422 field errors are put back next to the fields they are about.
The production guard rails (the environment's name typed to confirm) are the kernel's
(`dashboard.kernel.forms`).
"""

import json
import re
import uuid
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.html import format_html

from dashboard import environments
from dashboard.audit import selectors as audit
from dashboard.connect.errors import UnprocessableEntityError
from dashboard.connect.models import ApplicationUpdate, M2MApplicationCreate, OAuthApplicationCreate
from dashboard.kernel import lookups
from dashboard.kernel.fields import (
    M2M,
    OAUTH,
    TEXTS,
    AppField,
    by_name,
    editable_values,
    fields_of,
)
from dashboard.kernel.formfields import row_error
from dashboard.kernel.forms import (
    CONFIRM_ENVIRONMENT,
    GuardedConfirmation,
    add_environment_confirmation,
    check_environment_confirmation,
)
from dashboard.search import selectors as search

BLANK_ROW = {"uri": "", "default": True}


def another_named(name: str, *, this: set[str]) -> str | None:
    """The ID of an application of the current environment called `name` (case and accents
    ignored, as configuration files, go-to and promotion match names), other than `this`
    one, as the index knows them."""
    found = search.named(environments.current().name, name)
    return next((app_id for app_id in found if app_id not in this), None)


class ApplicationDeleteForm(GuardedConfirmation):
    what = "deleting the application"
    confirm_name = forms.CharField(required=False, strip=False)

    def __init__(self, *args: Any, application: Any, **kwargs: Any):
        self.application = application
        super().__init__(*args, **kwargs)

    def clean_confirm_name(self) -> str:
        typed = self.cleaned_data["confirm_name"]
        if typed.strip() != self.application.name.strip():
            raise forms.ValidationError("Type the application’s name exactly to confirm.")
        return typed


class SecretRevokeForm(GuardedConfirmation):
    what = "revoking the secret"


# --- Create and edit --------------------------------------------------------------------


class ApplicationForm(forms.Form):
    """What both forms share: the table's fields for the application's kind."""

    def __init__(self, *args: Any, production: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.production = production
        for field in self.table_fields():
            self.fields[field.name] = field.form_field()
            self.fields[field.name].production = production
        if "scopes" in self.fields:
            scopes = self.fields["scopes"]
            scopes.known, scopes.complete = lookups.scope_choices()

    def _value(self, name: str) -> Any:
        """A field's value as sent, or as the form was opened."""
        source = self.data if self.is_bound else self.initial
        return source.get(name, self.fields[name].initial if name in self.fields else None)

    @property
    def kind(self) -> str:
        raise NotImplementedError

    def this_application(self) -> set[str]:
        """The ID of the application this form is about, once it exists."""
        raise NotImplementedError

    def clean_name(self) -> str:
        """Refuse a name another application of this environment has: configuration files,
        go-to and promotion find an application by its name."""
        name = self.cleaned_data["name"]
        other = another_named(name, this=self.this_application())
        if other:
            raise forms.ValidationError(
                format_html(
                    "Another application of this environment is called “{}”: "
                    '<a href="{}">open it</a>. Configuration files, go-to and promotion find '
                    "an application by its name: choose another one.",
                    name,
                    reverse("applications:detail", args=[other]),
                ),
                code="name_taken",
            )
        return name

    def table_fields(self) -> tuple[AppField, ...]:
        raise NotImplementedError

    @property
    def table_rows(self) -> list[tuple[str, forms.BoundField]]:
        """(the partial of the form's template that draws it, the field) for each field of
        the table the form has, in table order: a partial per kind of value."""
        return [
            (f"applications/form.html#{field.value_kind}", self[field.name])
            for field in self.table_fields()
        ]

    # --- Redirect URI rows, with the error of each row -------------------------------------

    @property
    def redirect_rows(self) -> list[dict]:
        rows = [dict(row, errors=[]) for row in self["redirect_uris"].value() or []]
        for error in self.errors.as_data().get("redirect_uris", []) if self.is_bound else []:
            row = (error.params or {}).get("row")
            if row is not None and row < len(rows):
                rows[row]["errors"].extend(error.messages)
        return rows or [dict(BLANK_ROW, errors=[])]

    @property
    def redirect_list_errors(self) -> list[str]:
        """Errors about the list as a whole rather than one row."""
        if not self.is_bound:
            return []
        return [
            message
            for error in self.errors.as_data().get("redirect_uris", [])
            if (error.params or {}).get("row") is None
            for message in error.messages
        ]

    def _sent_row(self, index: int) -> int | None:
        """The row of the form that the API's `redirect_uris[index]` is about."""
        filled = [row for row, entry in enumerate(self["redirect_uris"].value()) if entry["uri"]]
        return filled[index] if index < len(filled) else None

    # --- Scopes --------------------------------------------------------------------------

    @property
    def scope_boxes(self) -> list[tuple[str, bool]]:
        chosen = set(self["scopes"].value() or [])
        return [(scope, scope in chosen) for scope in self.fields["scopes"].known]

    @property
    def extra_scopes(self) -> str:
        known = set(self.fields["scopes"].known)
        return " ".join(scope for scope in self["scopes"].value() or [] if scope not in known)

    # --- Add or remove a row, change the type: the form as it should look next --------------

    def rearranged(self, action: str) -> "ApplicationForm":
        initial = {name: self[name].data for name in self.fields}
        rows = list(initial.get("redirect_uris") or [])
        if action == "add-uri":
            rows.append({"uri": "", "default": False})
        elif match := re.fullmatch(r"remove-uri-(\d+)", action):
            index = int(match[1])
            if index < len(rows):
                removed = rows.pop(index)
                if removed["default"] and rows:
                    rows[0]["default"] = True
        initial["redirect_uris"] = rows or [dict(BLANK_ROW)]
        return self.unbound(initial)

    def unbound(self, initial: dict) -> "ApplicationForm":
        raise NotImplementedError

    # --- The API's answer -----------------------------------------------------------------

    def add_api_errors(self, error: UnprocessableEntityError) -> None:
        """Put the API's 422 errors next to the fields they are about."""
        placed = False
        for field_error in error.errors:
            match = re.match(r"^redirect_uris\[(\d+)\]", field_error.field)
            row = self._sent_row(int(match[1])) if match else None
            name = {"is_first_party": "party"}.get(
                field_error.field, re.sub(r"[\[.].*$", "", field_error.field)
            )
            if name not in self.fields or name == "idempotency_key":
                continue
            if row is not None:
                self.add_error(name, row_error(field_error.message, row))
            else:
                self.add_error(name, field_error.message)
            placed = True
        if not placed:
            self.add_error(None, error.message)


class ApplicationCreateForm(ApplicationForm):
    application_type = forms.ChoiceField(
        label="Type",
        choices=[(OAUTH, "OAuth"), (M2M, "Machine-to-machine (M2M)")],
        widget=forms.RadioSelect,
        initial=OAUTH,
    )
    party = forms.ChoiceField(
        label="Who uses it",
        choices=[
            ("first", "First-party: our own app"),
            ("third", "Third-party: a customer's or partner's app"),
        ],
        widget=forms.RadioSelect,
        initial="first",
        required=False,
    )
    # One per form: a double submit or a retried create never makes a second application.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=255)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = str(uuid.uuid4())

    @property
    def kind(self) -> str:
        return M2M if self._value("application_type") == M2M else OAUTH

    def this_application(self) -> set[str]:
        # A form submitted again (a double click, a retry) is the create it already made.
        # The key is cleaned before the name: it is declared first.
        made = audit.created_with(self.cleaned_data.get("idempotency_key", ""))
        return {made} if made else set()

    @property
    def third_party(self) -> bool:
        return self.kind == M2M or self._value("party") == "third"

    def table_fields(self) -> tuple[AppField, ...]:
        return tuple(
            field
            for field in fields_of(self.kind)
            if field.name != "organization_id" or self.third_party
        )

    def unbound(self, initial: dict) -> "ApplicationCreateForm":
        return ApplicationCreateForm(initial=initial, production=self.production)

    @classmethod
    def from_snapshot(cls, snapshot: dict, **kwargs: Any) -> "ApplicationCreateForm":
        """The form filled with a deleted application's configuration."""
        kind = snapshot.get("application_type", OAUTH)
        initial = {field.name: field.value(snapshot) for field in fields_of(kind)} | {
            "application_type": kind,
            "party": "first" if snapshot.get("is_first_party") else "third",
        }
        return cls(initial=initial, **kwargs)

    def clean(self) -> dict:
        cleaned = super().clean()
        if (
            self.third_party
            and not cleaned.get("organization_id")
            and not self.has_error("organization_id")
        ):
            self.add_error(
                "organization_id",
                "Machine-to-machine and third-party applications belong to an organization.",
            )
        return cleaned

    def create_request(self) -> OAuthApplicationCreate | M2MApplicationCreate:
        # An empty text is no text: a create sends none.
        values = {
            field.name: self.cleaned_data[field.name] or None
            if field.value_kind in TEXTS
            else self.cleaned_data[field.name]
            for field in self.table_fields()
        }
        if self.kind == M2M:
            return M2MApplicationCreate(**values)
        return OAuthApplicationCreate(is_first_party=not self.third_party, **values)


class ApplicationEditForm(ApplicationForm):
    # The version the form was opened on, to detect someone else's save in between.
    updated_at = forms.CharField(widget=forms.HiddenInput, required=False)
    original = forms.CharField(widget=forms.HiddenInput, required=False)

    what = "changing the redirect URIs"

    def __init__(self, *args: Any, application: Any, **kwargs: Any):
        self.application = application
        super().__init__(*args, **kwargs)
        if "redirect_uris" in self.fields:
            add_environment_confirmation(self, "Needed only when the redirect URIs change.")

    @classmethod
    def for_application(cls, application: Any, **kwargs: Any) -> "ApplicationEditForm":
        values = editable_values(application)
        initial = values | {
            "updated_at": application.updated_at.isoformat(),
            "original": json.dumps(values),
        }
        return cls(initial=initial, application=application, **kwargs)

    @property
    def kind(self) -> str:
        return self.application.application_type

    def this_application(self) -> set[str]:
        return {self.application.id}

    def clean_name(self) -> str:
        if search.fold(self.cleaned_data["name"]) == search.fold(self.application.name):
            # Unchanged: an edit of something else is no place to refuse an old duplicate.
            return self.cleaned_data["name"]
        return super().clean_name()

    def table_fields(self) -> tuple[AppField, ...]:
        return fields_of(self.kind, editable_only=True)

    def unbound(self, initial: dict) -> "ApplicationEditForm":
        return ApplicationEditForm(
            initial=initial, application=self.application, production=self.production
        )

    @property
    def original_values(self) -> dict:
        try:
            original = json.loads(self.cleaned_data.get("original") or "{}")
        except ValueError:
            return {}
        return original if isinstance(original, dict) else {}

    def clean(self) -> dict:
        cleaned = super().clean()
        if "scopes" in cleaned:
            # Keep the order the application already has; new scopes go last.
            existing = list(self.application.scopes)
            cleaned["scopes"].sort(
                key=lambda scope: existing.index(scope) if scope in existing else len(existing)
            )
        if CONFIRM_ENVIRONMENT in self.fields and self.redirect_uris_change:
            check_environment_confirmation(self, self.what)
        return cleaned

    @property
    def redirect_uris_change(self) -> bool:
        """The redirect URIs sent differ from the application's (valid ones only: invalid
        ones are refused anyway)."""
        field = by_name("redirect_uris")
        if field not in self.sent_fields() or "redirect_uris" not in self.cleaned_data:
            return False
        sent = field.normalize(self.cleaned_data["redirect_uris"])
        return sent != editable_values(self.application).get("redirect_uris")

    def sent_fields(self) -> tuple[AppField, ...]:
        """The table's fields the request carried. One it did not carry (a page that does
        not draw it) stays as it is: it is neither sent to the API nor merged."""
        return tuple(
            field
            for field in self.table_fields()
            if not self.fields[field.name].widget.value_omitted_from_data(
                self.data, self.files, self.add_prefix(field.name)
            )
        )

    def values(self) -> dict[str, Any]:
        """The edited fields as the table's canonical values, to compare and merge."""
        return {
            field.name: field.normalize(self.cleaned_data[field.name])
            for field in self.sent_fields()
        }

    def update_request(self) -> ApplicationUpdate:
        return ApplicationUpdate(
            **{field.name: self.cleaned_data[field.name] for field in self.sent_fields()}
        )
