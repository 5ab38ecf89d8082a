"""The state of the application list, all of it in the URL's query string."""

from django import forms
from django.utils.http import urlencode

PAGE_SIZES = [10, 25, 50, 100]
REGISTRATIONS = {
    "authenticated": ["authenticated"],
    "dynamic": ["dynamic"],
    "both": ["authenticated", "dynamic"],
}


class ListFilters(forms.Form):
    organization = forms.CharField(
        label="Organization",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "list": "organization-options",
                "autocomplete": "off",
                "placeholder": "All organizations",
            }
        ),
    )
    registration = forms.ChoiceField(
        label="Registration",
        required=False,
        choices=[
            ("authenticated", "Registered by admins"),
            ("dynamic", "Dynamically registered"),
            ("both", "Both"),
        ],
    )
    order = forms.ChoiceField(
        label="Order", required=False, choices=[("desc", "Newest first"), ("asc", "Oldest first")]
    )
    limit = forms.TypedChoiceField(
        label="Per page", required=False, coerce=int, choices=[(size, size) for size in PAGE_SIZES]
    )
    before = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    after = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    DEFAULTS = {
        "organization": "",
        "registration": "authenticated",
        "order": "desc",
        "limit": 25,
        "before": "",
        "after": "",
    }

    def __init__(self, data):
        super().__init__(data, label_suffix="")
        # A bad value in a shared link falls back to the default rather than failing:
        # cleaned_data holds only the fields that are valid.
        self.is_valid()
        self.state = self.DEFAULTS | {
            name: value for name, value in self.cleaned_data.items() if value not in ("", None)
        }

    def api_arguments(self) -> dict:
        state = self.state
        return {
            "limit": state["limit"],
            "order": state["order"],
            "before": state["before"] or None,
            "after": state["after"] or None,
            "organization_id": state["organization"] or None,
            "registration_types": REGISTRATIONS[state["registration"]],
        }

    def url(self, **cursor: str) -> str:
        """This list's URL at another page (`before=` or `after=`), defaults left out."""
        params = {
            name: value
            for name, value in self.state.items()
            if name not in ("before", "after") and value != self.DEFAULTS[name]
        }
        return "?" + urlencode(params | cursor)

    @property
    def is_filtered(self) -> bool:
        return bool(self.state["organization"]) or self.state["registration"] != "authenticated"
