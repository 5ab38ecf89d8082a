"""Form fields of an application's fields: each cleans to the value the API takes.

Validation uses the rules the embedded API applies (`dashboard.rules`, `dashboard.uris`),
so input the API would refuse is refused here first, in the same words, next to its field.
"""

import re
from typing import Any

from django import forms
from django.urls import reverse_lazy

from dashboard import rules, uris

from . import lookups


class TextField(forms.CharField):
    """A CharField that says how far a value is over its limit, rather than a `maxlength`
    attribute that lets the browser cut a pasted value short without a word."""

    def __init__(self, *, limit: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.limit = limit

    def validate(self, value: str) -> None:
        super().validate(value)
        if len(value) > self.limit:
            raise forms.ValidationError(
                rules.too_long(str(self.label), self.limit, len(value)), code="max_length"
            )


def name(label: str) -> forms.Field:
    return TextField(label=label, limit=rules.MAX_NAME)


def _one_line_of_text(value: str) -> None:
    try:
        rules.validate_text(value)
    except rules.RuleBroken as broken:
        raise forms.ValidationError(broken.message, code=broken.code) from None


def optional_text(label: str) -> forms.Field:
    """One line of text, empty for none."""
    return TextField(
        label=label, limit=rules.MAX_NAME, required=False, validators=[_one_line_of_text]
    )


def description(label: str) -> forms.Field:
    return TextField(
        label=label,
        limit=rules.MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def uses_pkce(label: str) -> forms.Field:
    return forms.BooleanField(label=f"Require {label}", required=False)


# --- Organization ---------------------------------------------------------------------------


class OrganizationField(TextField):
    """Typed as a name (or pasted as an ID), cleaned to the organization's ID.

    The box always shows the name: a stored ID is shown as its organization's name.
    """

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("label", "Organization")
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "list": "organization-options",
                    "autocomplete": "off",
                    "spellcheck": "false",
                    "placeholder": "Type a name to search, or paste an org_ ID",
                    # Suggestions as the user types, into the box's <datalist>, without
                    # the busy state and history entry of the form around it.
                    "hx-get": reverse_lazy("applications:organization-options"),
                    "hx-trigger": "input changed delay:300ms",
                    "hx-target": "#organization-options",
                    "hx-swap": "innerHTML",
                    "hx-indicator": "unset",
                    "hx-disabled-elt": "unset",
                    "hx-push-url": "false",
                }
            ),
        )
        super().__init__(limit=rules.MAX_NAME, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, str) and lookups.looks_like_organization_id(value):
            return lookups.organization_name(value) or value
        return value

    def clean(self, value: Any) -> str:
        text = super().clean(value).strip()
        if not text:
            return ""
        try:
            return lookups.find_organization(text).id
        except lookups.OrganizationNotFound as problem:
            # "organization_unknown": no organization has the name, which an Editor may create.
            code = "organization_unknown" if problem.nothing_matches else "organization"
            raise forms.ValidationError(str(problem), code=code) from None


def organization(label: str) -> forms.Field:
    return OrganizationField(label=label, required=False)


# --- Lists ----------------------------------------------------------------------------------


def _too_many(what: str, count: int) -> forms.ValidationError:
    return forms.ValidationError(rules.too_many(what, rules.MAX_LIST_ITEMS, count), code="too_many")


class RedirectUrisWidget(forms.Widget):
    """Rows of `redirect_uri` inputs and one `redirect_default` radio button (the index of
    the default row). The form template draws the rows, with each row's own error."""

    def value_from_datadict(self, data, files, name) -> list[dict]:
        default = data.get("redirect_default", "")
        return [
            {"uri": uri.strip(), "default": str(index) == default}
            for index, uri in enumerate(data.getlist("redirect_uri"))
        ]

    def value_omitted_from_data(self, data, files, name) -> bool:
        return "redirect_uri" not in data


class RedirectUrisField(forms.Field):
    """Cleans rows to the API's `[{"uri", "default"}]`: blank rows dropped, exactly one
    default. An error about one row carries `params={"row": index}` so that only that row
    is marked."""

    widget = RedirectUrisWidget
    production = False

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("label", "Redirect URIs")
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[dict]:
        return list(value or [])

    def clean(self, value: Any) -> list[dict]:
        rows = [(index, row) for index, row in enumerate(self.to_python(value)) if row["uri"]]
        if len(rows) > rules.MAX_LIST_ITEMS:
            raise _too_many("redirect URIs", len(rows))
        defaults = [row for _, row in rows if row["default"]]
        if rows and not defaults:
            rows[0][1]["default"] = True
        problems, seen = [], set()
        for index, row in rows:
            try:
                uris.validate_redirect_uri(
                    row["uri"], production=self.production, is_default=row["default"]
                )
            except uris.UriRejected as rejected:
                problems.append(row_error(rejected.message, index))
            if row["uri"] in seen:
                problems.append(row_error("This redirect URI is listed twice.", index))
            seen.add(row["uri"])
        if problems:
            raise forms.ValidationError(problems)
        return [{"uri": row["uri"], "default": row["default"]} for _, row in rows]


def row_error(message: str, row: int) -> forms.ValidationError:
    # Django formats a message with its params: a % in a quoted URI must stay a %.
    return forms.ValidationError(message.replace("%", "%%"), code="row", params={"row": row})


def redirect_uris(label: str) -> forms.Field:
    return RedirectUrisField(label=label)


class OriginsField(forms.CharField):
    """One origin per line, cleaned to a list; one error per origin, naming it."""

    production = False

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("label", "CORS origins")
        super().__init__(
            required=False,
            widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
            help_text="One origin per line, like https://app.example.com (no path).",
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def clean(self, value: Any) -> list[str]:
        origins = [line.strip() for line in (value or "").splitlines() if line.strip()]
        if len(origins) > rules.MAX_LIST_ITEMS:
            raise _too_many("CORS origins", len(origins))
        problems, seen = [], set()
        for origin in origins:
            try:
                uris.validate_cors_origin(origin, production=self.production)
            except uris.UriRejected as rejected:
                problems.append(f"{rules.visible(origin)}: {rejected.message}")
            if origin in seen:
                problems.append(f"{rules.visible(origin)}: this origin is listed twice.")
            seen.add(origin)
        if problems:
            raise forms.ValidationError(problems)
        return origins


def cors_origins(label: str) -> forms.Field:
    return OriginsField(label=label)


class ScopesWidget(forms.Widget):
    """Checkboxes (`scopes`) for the environment's known scopes and a text box
    (`extra_scopes`) for any other, read as one list."""

    def value_from_datadict(self, data, files, name) -> list[str]:
        typed = re.split(r"[\s,]+", data.get("extra_scopes", ""))
        return [scope for scope in data.getlist("scopes") + typed if scope]

    def value_omitted_from_data(self, data, files, name) -> bool:
        return "scopes" not in data and "extra_scopes" not in data


class ScopesField(forms.Field):
    widget = ScopesWidget

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("label", "Scopes")
        super().__init__(required=False, **kwargs)
        self.known: list[str] = []
        # False when the environment's permissions could not be loaded.
        self.complete = True

    def clean(self, value: Any) -> list[str]:
        scopes: list[str] = []
        problems = []
        for scope in value or []:
            try:
                rules.validate_scope(scope)
            except rules.RuleBroken as broken:
                problems.append(f"“{scope}”: {broken.message}")
                continue
            if scope not in scopes:
                scopes.append(scope)
        if problems:
            raise forms.ValidationError(problems)
        if len(scopes) > rules.MAX_LIST_ITEMS:
            raise _too_many("scopes", len(scopes))
        return scopes


def scopes(label: str) -> forms.Field:
    return ScopesField(label=label)
