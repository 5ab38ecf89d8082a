"""Forms of the organization pages: create, rename, delete, and revoking a consent.

Names and domains are checked with the rules the embedded API applies (`dashboard.rules`),
so that what the API would refuse is refused here first, next to its field.
"""

import re
import uuid
from typing import Any

from django import forms

from dashboard import rules
from dashboard.connect import errors
from dashboard.kernel.formfields import TextField
from dashboard.kernel.forms import GuardedConfirmation


def _text(value: str) -> None:
    try:
        rules.validate_text(value)
    except rules.RuleBroken as broken:
        raise forms.ValidationError(broken.message, code=broken.code) from None


class DomainsField(forms.CharField):
    """Domains, one per line (or separated by commas or spaces), cleaned to a lowercase list;
    one error per domain, naming it."""

    def __init__(self, **kwargs: Any):
        super().__init__(
            label="Domains",
            required=False,
            widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
            help_text="One per line, like acme.com. They are added unverified.",
            **kwargs,
        )

    def clean(self, value: Any) -> list[str]:
        domains = [part.lower() for part in re.split(r"[\s,]+", value or "") if part]
        if len(domains) > rules.MAX_LIST_ITEMS:
            raise forms.ValidationError(
                rules.too_many("domains", rules.MAX_LIST_ITEMS, len(domains))
            )
        problems, unique = [], []
        for domain in domains:
            try:
                rules.validate_domain(domain)
            except rules.RuleBroken as broken:
                problems.append(f"{rules.visible(domain)}: {broken.message}")
                continue
            if domain in unique:
                problems.append(f"{domain}: this domain is listed twice.")
            else:
                unique.append(domain)
        if problems:
            raise forms.ValidationError(problems)
        return unique


class OrganizationRenameForm(forms.Form):
    name = TextField(label="Name", limit=rules.MAX_NAME, validators=[_text])

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def add_api_errors(self, error: errors.ApiError) -> None:
        """The API's refusal next to the field it is about, or above the form."""
        field_errors = getattr(error, "errors", [])
        placed = False
        for field_error in field_errors:
            name = "domains" if field_error.field.startswith("domain") else field_error.field
            if name in self.fields and name != "idempotency_key":
                self.add_error(name, field_error.message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class OrganizationCreateForm(OrganizationRenameForm):
    domains = DomainsField()
    # One per form: a double submit or a retried create never makes a second organization.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = str(uuid.uuid4())

    def add_api_errors(self, error: errors.ApiError) -> None:
        if isinstance(error, errors.ConflictError):
            # WorkOS answers 409 when a domain belongs to another organization.
            self.add_error("domains", error.message)
            return
        super().add_api_errors(error)


class OrganizationDeleteForm(GuardedConfirmation):
    what = "deleting the organization"
    confirm_name = forms.CharField(required=False, strip=False)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any):
        self.organization = organization
        super().__init__(*args, **kwargs)

    def clean_confirm_name(self) -> str:
        typed = self.cleaned_data["confirm_name"]
        if typed.strip() != self.organization.name.strip():
            raise forms.ValidationError("Type the organization’s name exactly to confirm.")
        return typed


class ConsentRevokeForm(GuardedConfirmation):
    what = "revoking the consent"
