"""The application form, shared by create and edit.

Redirect URIs are rows (`redirect_uri` repeated, `redirect_default` the index of the
default row) that the user adds and removes with submit buttons, so the form works the
same with and without JavaScript. Validation happens here first (with the rules the API
applies), then the API's own 422 field errors are mapped back onto the same fields.
"""

import json
import re
import uuid
from dataclasses import dataclass, field

from django import forms

from dashboard import uris
from dashboard.connect.errors import FieldError
from dashboard.connect.models import (
    ApplicationUpdate,
    M2MApplicationCreate,
    OAuthApplication,
    OAuthApplicationCreate,
    RedirectUriInput,
)

from .changes import editable_values
from .lookups import scope_choices

SCOPE_PATTERN = re.compile(r"^[A-Za-z0-9_\-:.*/]{1,128}$")
MAX_REDIRECT_URIS = 100


@dataclass
class RedirectRow:
    uri: str = ""
    default: bool = False
    errors: list[str] = field(default_factory=list)


def _split_words(value: str) -> list[str]:
    return [word for word in re.split(r"[\s,]+", value or "") if word]


class ApplicationForm(forms.Form):
    application_type = forms.ChoiceField(
        label="Type",
        choices=[("oauth", "OAuth"), ("m2m", "Machine-to-machine (M2M)")],
        widget=forms.RadioSelect,
        initial="oauth",
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
    name = forms.CharField(max_length=255)
    description = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    organization_id = forms.CharField(
        label="Organization",
        max_length=100,
        required=False,
        widget=forms.TextInput(
            attrs={
                "list": "organization-options",
                "autocomplete": "off",
                "placeholder": "Type to search, or paste an org_ ID",
            }
        ),
    )
    uses_pkce = forms.BooleanField(label="Require PKCE", required=False)
    scopes = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    extra_scopes = forms.CharField(
        label="Other scopes",
        required=False,
        help_text="Separated by spaces or commas.",
    )
    cors_origins = forms.CharField(
        label="CORS origins",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One origin per line, like https://app.example.com (no path).",
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)
    # Edit only: the version the form was opened on, to detect someone else's save.
    updated_at = forms.CharField(widget=forms.HiddenInput, required=False)
    original = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args, application: OAuthApplication | None = None, production: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.application = application
        self.production = production
        known = scope_choices()
        chosen = self.data.getlist("scopes") if self.is_bound else self.initial.get("scopes", [])
        extra = [scope for scope in chosen if scope not in known]
        self.fields["scopes"].choices = [(scope, scope) for scope in known + extra]
        if application is not None:
            for name in (
                "application_type",
                "party",
                "organization_id",
                "uses_pkce",
                "idempotency_key",
            ):
                del self.fields[name]
        else:
            del self.fields["updated_at"], self.fields["original"]
            if not self.initial.get("idempotency_key") and not self.is_bound:
                self.initial["idempotency_key"] = str(uuid.uuid4())
        self.redirect_rows = (
            self._rows_from_data()
            if self.is_bound
            else self.initial.get("redirect_rows", [RedirectRow(default=True)])
        )
        self.redirect_error: str | None = None
        # Rows sent to the API, by their index in the API request.
        self._sent_rows: list[RedirectRow] = []

    # --- What kind of application the form is about ---------------------------------------

    def _value(self, name: str):
        """A create-only field's value as sent, or as the form was opened."""
        source = self.data if self.is_bound else self.initial
        return source.get(name, self.fields[name].initial)

    @property
    def kind(self) -> str:
        if self.application is not None:
            return self.application.application_type
        return "m2m" if self._value("application_type") == "m2m" else "oauth"

    @property
    def third_party(self) -> bool:
        if self.application is not None:
            return not getattr(self.application, "is_first_party", False)
        return self.kind == "m2m" or self._value("party") == "third"

    @property
    def needs_organization(self) -> bool:
        return self.application is None and self.third_party

    # --- Redirect URI rows ------------------------------------------------------------------

    def _rows_from_data(self) -> list[RedirectRow]:
        uris_sent = self.data.getlist("redirect_uri")[:MAX_REDIRECT_URIS]
        default = self.data.get("redirect_default", "")
        return [
            RedirectRow(uri=uri.strip(), default=str(index) == default)
            for index, uri in enumerate(uris_sent)
        ]

    def _clean_redirect_rows(self) -> list[RedirectRow]:
        rows = [row for row in self.redirect_rows if row.uri]
        if rows and not any(row.default for row in rows):
            rows[0].default = True
        seen: set[str] = set()
        for row in rows:
            try:
                uris.validate_redirect_uri(
                    row.uri, production=self.production, is_default=row.default
                )
            except uris.UriRejected as rejected:
                row.errors.append(rejected.message)
            if row.uri in seen:
                row.errors.append("This redirect URI is listed twice.")
            seen.add(row.uri)
        return rows

    @property
    def has_row_errors(self) -> bool:
        return bool(self.redirect_error) or any(row.errors for row in self.redirect_rows)

    # --- Validation -------------------------------------------------------------------------

    def clean_extra_scopes(self) -> list[str]:
        extra = _split_words(self.cleaned_data.get("extra_scopes", ""))
        bad = [scope for scope in extra if not SCOPE_PATTERN.match(scope)]
        if bad:
            raise forms.ValidationError(f"Not a valid scope: {', '.join(bad)}.")
        return extra

    def clean_cors_origins(self) -> list[str]:
        origins = [
            line.strip()
            for line in self.cleaned_data.get("cors_origins", "").splitlines()
            if line.strip()
        ]
        problems = []
        for origin in origins:
            try:
                uris.validate_cors_origin(origin, production=self.production)
            except uris.UriRejected as rejected:
                problems.append(f"{origin}: {rejected.message}")
        if len(set(origins)) != len(origins):
            problems.append("An origin is listed twice.")
        if problems:
            raise forms.ValidationError(problems)
        return origins

    def clean(self):
        cleaned = super().clean()
        if self.needs_organization and not cleaned.get("organization_id"):
            self.add_error(
                "organization_id",
                "Machine-to-machine and third-party applications belong to an organization.",
            )
        if self.kind == "oauth":
            self._sent_rows = self._clean_redirect_rows()
        scopes = cleaned.get("scopes", []) + [
            scope
            for scope in cleaned.get("extra_scopes", [])
            if scope not in cleaned.get("scopes", [])
        ]
        if self.application is not None:
            # Keep the order the application already has; new scopes go last.
            existing = list(self.application.scopes)
            scopes.sort(
                key=lambda scope: existing.index(scope) if scope in existing else len(existing)
            )
        cleaned["all_scopes"] = scopes
        return cleaned

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return valid and not self.has_row_errors

    # --- Requests for the API ---------------------------------------------------------------

    def _redirect_inputs(self) -> list[RedirectUriInput]:
        return [RedirectUriInput(uri=row.uri, default=row.default) for row in self._sent_rows]

    def create_request(self) -> OAuthApplicationCreate | M2MApplicationCreate:
        data = self.cleaned_data
        common = {
            "name": data["name"],
            "description": data["description"] or None,
            "scopes": data["all_scopes"],
        }
        if self.kind == "m2m":
            return M2MApplicationCreate(organization_id=data["organization_id"], **common)
        return OAuthApplicationCreate(
            is_first_party=not self.third_party,
            organization_id=data["organization_id"] if self.third_party else None,
            uses_pkce=data["uses_pkce"],
            redirect_uris=self._redirect_inputs(),
            cors_origins=data["cors_origins"],
            **common,
        )

    def update_request(self) -> ApplicationUpdate:
        data = self.cleaned_data
        oauth = self.kind == "oauth"
        return ApplicationUpdate(
            name=data["name"],
            description=data["description"],
            scopes=data["all_scopes"],
            redirect_uris=self._redirect_inputs() if oauth else None,
            cors_origins=data["cors_origins"] if oauth else None,
        )

    def add_api_errors(self, field_errors: list[FieldError], message: str) -> None:
        """Put the API's 422 errors next to the fields they are about."""
        placed = False
        for error in field_errors:
            match = re.match(r"^redirect_uris\[(\d+)\]", error.field)
            if match and int(match[1]) < len(self._sent_rows):
                self._sent_rows[int(match[1])].errors.append(error.message)
                placed = True
                continue
            if error.field == "redirect_uris":
                self.redirect_error = error.message
                placed = True
                continue
            name = {"is_first_party": "party"}.get(error.field, re.sub(r"\[.*$", "", error.field))
            if name in self.fields and name != "idempotency_key":
                self.add_error(name, error.message)
                placed = True
        if not placed:
            self.add_error(None, message)


def initial_from_values(values: dict) -> dict:
    """Form values from an application's fields as JSON (the API's, or a snapshot's)."""
    initial = {
        "name": values.get("name", ""),
        "description": values.get("description") or "",
        "scopes": list(values.get("scopes") or []),
        "redirect_rows": [
            RedirectRow(uri=entry["uri"], default=bool(entry.get("default")))
            for entry in values.get("redirect_uris") or []
        ]
        or [RedirectRow(default=True)],
        "cors_origins": "\n".join(values.get("cors_origins") or []),
    }
    if "application_type" in values:
        initial |= {
            "application_type": values["application_type"],
            "party": "first" if values.get("is_first_party") else "third",
            "organization_id": values.get("organization_id") or "",
            "uses_pkce": bool(values.get("uses_pkce")),
        }
    return initial


def initial_for(application) -> dict:
    """Edit form values from an application as the API returned it."""
    values = editable_values(application)
    return initial_from_values(values) | {
        "updated_at": application.updated_at.isoformat(),
        "original": json.dumps(values),
    }
