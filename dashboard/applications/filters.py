"""The state of the application list, all of it in the URL's query string.

One URL per state: defaults and empty values are left out, and an organization typed by
name is held as its ID (the box shows the name again).
"""

from urllib.parse import parse_qsl

from django import forms
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode

from dashboard import rules
from dashboard.kernel.formfields import OrganizationField

PAGE_SIZES = [10, 25, 50, 100]
REGISTRATIONS = {
    "authenticated": ["authenticated"],
    "dynamic": ["dynamic"],
    "both": ["authenticated", "dynamic"],
}
CURSORS = ("before", "after")
# Where in the results a URL is: left out of a URL unless asked for, so that changing a
# filter goes back to the first page.
POSITIONS = (*CURSORS, "page")
# The order of the live list (the API's), or of the search index's results.
SORTS = {"desc": "-created", "asc": "created", "name": "name", "-name": "-name"}
TYPES = [("", "All types"), ("oauth", "OAuth"), ("m2m", "M2M")]
MAX_QUERY = 200


class ListFilters(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=MAX_QUERY,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    type = forms.ChoiceField(label="Type", required=False, choices=TYPES)
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
        label="Order",
        required=False,
        choices=[
            ("desc", "Newest first"),
            ("asc", "Oldest first"),
            ("name", "Name, A to Z"),
            ("-name", "Name, Z to A"),
        ],
    )
    limit = forms.TypedChoiceField(
        label="Per page", required=False, coerce=int, choices=[(size, size) for size in PAGE_SIZES]
    )
    before = forms.CharField(required=False, max_length=rules.MAX_ID, widget=forms.HiddenInput)
    after = forms.CharField(required=False, max_length=rules.MAX_ID, widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)

    DEFAULTS = {
        "q": "",
        "type": "",
        "organization": "",
        "registration": "authenticated",
        "order": "desc",
        "limit": 25,
        "before": "",
        "after": "",
        "page": 1,
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
        if self.has_error("q"):
            # Too long, or a character no text field takes: search for what can be kept.
            self.state["q"] = data.get("q", "").replace("\x00", "").strip()[:MAX_QUERY]
        if self.state["before"] and self.state["after"]:
            self.state["before"] = ""  # The API takes one cursor; going on wins.
        if self.searching:
            self.state["before"] = self.state["after"] = ""
        else:
            self.state["page"] = 1

    @property
    def searching(self) -> bool:
        """Whether the results come from the dashboard's index rather than the API's list:
        a search, a type, or an order by name, which the API cannot do."""
        state = self.state
        return bool(state["q"] or state["type"] or state["order"] in ("name", "-name"))

    @property
    def organization_id(self) -> str | None:
        return None if self.has_error("organization") else self.state["organization"] or None

    @property
    def position(self) -> dict:
        """Where in the results this page is: a cursor, or a page number of a search."""
        return {
            name: self.state[name] for name in POSITIONS if self.state[name] != self.DEFAULTS[name]
        }

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

    def search_arguments(self) -> dict:
        state = self.state
        return {
            "q": state["q"],
            "application_type": state["type"],
            "organization_id": self.organization_id or "",
            "registration": state["registration"],
            "sort": SORTS[state["order"]],
            "page": state["page"],
            "per_page": state["limit"],
        }

    def count_arguments(self) -> dict:
        """The filters alone, for how many applications match them."""
        arguments = self.search_arguments()
        return {
            name: arguments[name]
            for name in ("q", "application_type", "organization_id", "registration")
        }

    # A column header's order when clicked: its first order, or the other way round when
    # the list is already in it.
    COLUMN_ORDERS = {"name": ("name", "-name"), "created": ("desc", "asc")}

    def sorting(self) -> dict[str, dict[str, str]]:
        """For each sortable column: `url`, its header's link, and `sort`, "ascending" or
        "descending" when the list is sorted by it (aria-sort's words), else ""."""
        order = self.state["order"]
        columns = {}
        for column, (first, second) in self.COLUMN_ORDERS.items():
            sort = ""
            if order in (first, second):
                sort = "descending" if SORTS[order].startswith("-") else "ascending"
            columns[column] = {
                "url": self.url(order=second if order == first else first),
                "sort": sort,
            }
        return columns

    def url(self, **changes) -> str:
        """This list's URL with some filters changed, or at another page (`before=` or
        `after=`); defaults and empty values left out."""
        params = {
            name: value
            for name, value in (self.state | changes).items()
            if value != self.DEFAULTS[name] and (name not in POSITIONS or name in changes)
        }
        query = urlencode(params)
        return self._list_url + (f"?{query}" if query else "")

    @cached_property
    def _list_url(self) -> str:
        # Reversed once: a page asks for a dozen of these links.
        return reverse("applications:list")

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
        state = self.state
        return bool(state["q"] or state["type"] or state["organization"]) or (
            state["registration"] != "authenticated"
        )
