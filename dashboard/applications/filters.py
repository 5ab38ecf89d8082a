"""The state of the application list, all of it in the URL's query string.

One URL per state: defaults and empty values are left out, and an organization typed by
name is held as its ID (the box shows the name again).
"""

from urllib.parse import parse_qsl

from django import forms
from django.urls import reverse
from django.utils.http import urlencode

from dashboard import rules

from .formfields import OrganizationField

PAGE_SIZES = [10, 25, 50, 100]
REGISTRATIONS = {
    "authenticated": ["authenticated"],
    "dynamic": ["dynamic"],
    "both": ["authenticated", "dynamic"],
}
CURSORS = ("before", "after")


class ListFilters(forms.Form):
    organization = OrganizationField(required=False)
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
    before = forms.CharField(required=False, max_length=rules.MAX_ID, widget=forms.HiddenInput)
    after = forms.CharField(required=False, max_length=rules.MAX_ID, widget=forms.HiddenInput)

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
        self.fields["organization"].widget.attrs |= {
            "placeholder": "All organizations",
            "aria-describedby": "organization-error",
        }
        # A bad value in a shared link falls back to the default rather than failing:
        # cleaned_data holds only the fields that are valid. An organization that is not
        # recognised is the exception: the box says so, and the typed text stays.
        self.is_valid()
        self.state = self.DEFAULTS | {
            name: value for name, value in self.cleaned_data.items() if value not in ("", None)
        }
        if self.has_error("organization"):
            self.state["organization"] = data.get("organization", "").strip()
        if self.state["before"] and self.state["after"]:
            self.state["before"] = ""  # The API takes one cursor; going on wins.

    @property
    def organization_id(self) -> str | None:
        return None if self.has_error("organization") else self.state["organization"] or None

    @property
    def cursor(self) -> dict[str, str]:
        return {name: self.state[name] for name in CURSORS if self.state[name]}

    def api_arguments(self) -> dict:
        state = self.state
        return {
            "limit": state["limit"],
            "order": state["order"],
            "before": state["before"] or None,
            "after": state["after"] or None,
            "organization_id": self.organization_id,
            "registration_types": REGISTRATIONS[state["registration"]],
        }

    def url(self, **changes: str) -> str:
        """This list's URL with some filters changed, or at another page (`before=` or
        `after=`); defaults and empty values left out."""
        params = {
            name: value
            for name, value in (self.state | changes).items()
            if value != self.DEFAULTS[name] and (name not in CURSORS or name in changes)
        }
        query = urlencode(params)
        return reverse("applications:list") + (f"?{query}" if query else "")

    @staticmethod
    def query(data) -> dict[str, str]:
        return {name: value for name, value in data.items()}

    @staticmethod
    def query_of(url: str) -> dict[str, str]:
        return dict(parse_qsl(url.partition("?")[2], keep_blank_values=True))

    @property
    def hides_dynamic(self) -> bool:
        """Whether the list leaves dynamically registered applications out (it shows none
        while the organization is not recognised)."""
        return self.state["registration"] == "authenticated" and not self.has_error("organization")

    @property
    def is_filtered(self) -> bool:
        return bool(self.state["organization"]) or self.state["registration"] != "authenticated"
