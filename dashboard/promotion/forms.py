"""What the admin decides before anything is sent to another environment, and the values
checked by the table's own form fields with that environment's rules."""

import uuid
from typing import Any

from django import forms

from dashboard.connect.models import M2MApplicationCreate, OAuthApplicationCreate
from dashboard.environments import Environment
from dashboard.kernel.fields import M2M, TEXTS, AppField, fields_of
from dashboard.kernel.formfields import OrganizationField

from . import drift


class RefusedValueForm(forms.Form):
    """One value the target refuses: a replacement that it takes, or nothing to drop it."""

    replacement = forms.CharField(required=False)

    def __init__(self, *args: Any, refusal: drift.Refusal, production: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.refusal, self.production = refusal, production
        self.fields["replacement"].label = f"Replacement for {refusal.value}"
        self.fields["replacement"].widget.attrs.update(
            {"spellcheck": "false", "autocomplete": "off", "placeholder": "Leave empty to drop it"}
        )

    def clean_replacement(self) -> str:
        value = self.cleaned_data["replacement"]
        refusal = self.refusal
        rule = value and drift.refusal_rule(
            refusal.field.name, refusal.replaced_by(value), production=self.production
        )
        if rule:
            raise forms.ValidationError(rule)
        return value


class BaseRefusedValueFormSet(forms.BaseFormSet):
    """A row per refused value, in the order of `refusals`, however many rows were posted."""

    def __init__(self, *args: Any, refusals: list[drift.Refusal], production: bool, **kwargs):
        self.refusals, self.production = refusals, production
        kwargs.setdefault("prefix", "refused")
        super().__init__(*args, **kwargs)

    def total_form_count(self) -> int:
        return len(self.refusals)

    def initial_form_count(self) -> int:
        return len(self.refusals)

    def get_form_kwargs(self, index: int) -> dict:
        return {"refusal": self.refusals[index], "production": self.production}

    def replacements(self) -> list[str | None]:
        return [form.cleaned_data.get("replacement") or None for form in self.forms]

    def adjustments(self) -> list[dict]:
        """What became of each refused value, as a promotion keeps it."""
        return [
            {"field": form.refusal.field.name, "value": form.refusal.value, "replacement": new}
            for form, new in zip(self.forms, self.replacements(), strict=True)
        ]

    def by_field(self) -> dict[str, list[RefusedValueForm]]:
        rows: dict[str, list[RefusedValueForm]] = {}
        for form in self.forms:
            rows.setdefault(form.refusal.field.name, []).append(form)
        return rows


RefusedValueFormSet = forms.formset_factory(
    RefusedValueForm, formset=BaseRefusedValueFormSet, extra=0
)


class PromotionForm(forms.Form):
    """Copying an application to another environment: the version of it that was previewed,
    one key for every submit of this preview, and the target's organization if it has one."""

    version = forms.CharField(widget=forms.HiddenInput)
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, organization: bool, target_label: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", str(uuid.uuid4()))
        if organization:
            self.fields["organization_id"] = OrganizationField(
                required=True,
                label=f"Organization in {target_label}",
                error_messages={
                    "required": f"Choose the organization it belongs to in {target_label}."
                },
            )


class ApplyForm(forms.Form):
    """Applying the other side's values: the versions of both that were previewed, and in
    production, the environment's name typed as well when the redirect URIs change (the
    guard rail of every change of them there)."""

    version = forms.CharField(widget=forms.HiddenInput)
    source_version = forms.CharField(widget=forms.HiddenInput)
    confirm_environment = forms.CharField(
        required=False, max_length=100, help_text="Needed only when the redirect URIs change."
    )
    what = "changing the redirect URIs"

    def __init__(self, *args: Any, environment: Environment, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.environment = environment
        if not environment.production:
            del self.fields["confirm_environment"]

    def redirect_uris_change_confirmed(self) -> bool:
        """Whether the redirect URIs may change; if not, the error is next to the box."""
        typed = self.cleaned_data.get("confirm_environment", "")
        name = self.environment.name
        if "confirm_environment" not in self.fields or typed == name:
            return True
        if typed:
            message = (
                f"“{typed}” is not this environment’s name: type {name} to confirm {self.what}."
            )
        else:
            message = (
                f"This is {self.environment.label}: type {name} as well to confirm {self.what}."
            )
        self.add_error("confirm_environment", message)
        return False


def cleaned(
    values: dict[str, Any], table_fields: tuple[AppField, ...], *, production: bool
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """`values` checked and cleaned by the table's form fields with an environment's rules:
    the API's values, and the errors of each field that has some."""
    result, problems = {}, {}
    for field in table_fields:
        if field.name not in values:
            continue
        form_field = field.form_field()
        form_field.production = production
        try:
            result[field.name] = form_field.clean(form_field.prepare_value(values[field.name]))
        except forms.ValidationError as error:
            problems[field.name] = error.messages
    return result, problems


def create_request(
    kind: str, values: dict[str, Any], *, first_party: bool
) -> OAuthApplicationCreate | M2MApplicationCreate:
    """The create request of an application of `kind` with these cleaned values."""
    body = {
        field.name: values[field.name] or None if field.value_kind in TEXTS else values[field.name]
        for field in fields_of(kind)
        if field.name in values
    }
    if kind == M2M:
        return M2MApplicationCreate(**body)
    if first_party:
        body.pop("organization_id", None)
    return OAuthApplicationCreate(is_first_party=first_party, **body)
