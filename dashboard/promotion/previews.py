"""The two previews of promotion, each a form with its rows of refused values: a copy of an
application into the current environment, and one side's values applied to the other.

A preview knows the versions it was opened on: a confirmation of an older one is `stale`
and is shown again rather than sent.
"""

from dataclasses import dataclass
from typing import Any

from dashboard import environments
from dashboard.connect.models import ApplicationUpdate
from dashboard.environments import Environment
from dashboard.kernel import footprint
from dashboard.kernel.fields import (
    M2M,
    AppField,
    by_name,
    differences,
    editable_values,
    fields_of,
    shown_values,
)

from . import drift, selectors
from .forms import ApplyForm, PromotionForm, RefusedValueFormSet, cleaned, create_request


@dataclass
class Row:
    """A field of a preview: its value on one side, on the other, and what needs deciding."""

    field: AppField
    before: Any
    after: Any
    # A RefusedValueForm per value of the field that the target refuses.
    refused: list
    errors: list[str]


Problems = dict[str, list[str]]


def _without_test_callbacks(values: dict[str, Any]) -> dict[str, Any]:
    """An application's values without the dashboard's test callbacks: "Try the sign-in"
    registered them for this dashboard, not for the customer, so they are never copied."""
    if not values.get("redirect_uris"):
        return values
    return values | {"redirect_uris": footprint.without_test_callbacks(values["redirect_uris"])}


def _test_callbacks(app: Any) -> list[str]:
    return [
        entry["uri"]
        for entry in editable_values(app).get("redirect_uris") or []
        if footprint.is_test_callback(entry["uri"])
    ]


def _replacements(formset) -> list[str | None] | None:
    """The admin's decisions once they are valid; until then every refused value dropped."""
    return formset.replacements() if formset.is_bound and formset.is_valid() else None


@dataclass
class CopyPreview:
    """`app` of `source` copied into the current environment, `target`."""

    app: Any
    source: Environment
    target: Environment
    # The target's organization, for an application that needs one; else None.
    match: selectors.OrganizationMatch | None
    form: PromotionForm
    formset: Any

    @classmethod
    def of(cls, app: Any, source: Environment, data=None) -> "CopyPreview":
        target = environments.current()
        match = None
        if app.application_type == M2M or not app.is_first_party:
            match = selectors.OrganizationMatch("", None, [])
            if app.organization_id:
                match = selectors.organization_match(
                    app.organization_id, source=source, target=target
                )
        initial = {"version": app.updated_at.isoformat()}
        if match and match.organization:
            initial["organization_id"] = match.organization.id
        elif match and match.source_name and not match.matches:
            # None there has the name: the box holds it, and offers to create it.
            initial["organization_id"] = match.source_name
        form = PromotionForm(
            data, initial=initial, organization=match is not None, target_label=target.label
        )
        refusals = drift.refusals(cls.source_values(app), production=target.production)
        formset = RefusedValueFormSet(data, refusals=refusals, production=target.production)
        return cls(app, source, target, match, form, formset)

    @staticmethod
    def source_values(app: Any) -> dict[str, Any]:
        """The table's values a copy takes (its organization is matched or chosen apart; the
        dashboard's test callbacks stay behind)."""
        return _without_test_callbacks(
            {f.name: value for f, value in shown_values(app) if f.name != "organization_id"}
        )

    @property
    def test_callbacks(self) -> list[str]:
        """The dashboard's test callbacks of the application, which the copy leaves out."""
        return _test_callbacks(self.app)

    @property
    def stale(self) -> bool:
        return self.form.data.get("version") != self.app.updated_at.isoformat()

    def is_valid(self) -> bool:
        return self.form.is_valid() and self.formset.is_valid()

    def values(self) -> dict[str, Any]:
        """What the target gets, as the admin decided so far."""
        found = self.formset.refusals
        decided = _replacements(self.formset) or [None] * len(found)
        return drift.adjusted(self.source_values(self.app), found, decided)

    def rows(self, problems: Problems | None = None) -> list[Row]:
        after, refused, problems = self.values(), self.formset.by_field(), problems or {}
        rows = [
            Row(f, value, after.get(f.name), refused.get(f.name, []), problems.get(f.name, []))
            for f, value in shown_values(self.app)
        ]
        if self.match and not any(row.field.name == "organization_id" for row in rows):
            # A dynamically registered application may have none; its copy needs one.
            rows.insert(2, Row(by_name("organization_id"), None, None, [], []))
        return rows

    def create_request(self) -> tuple[Any, Problems]:
        """The request to send once the preview is valid, or the fields that are not."""
        kind = self.app.application_type
        values, problems = cleaned(
            self.values(), fields_of(kind), production=self.target.production
        )
        if problems:
            return None, problems
        values["organization_id"] = self.form.cleaned_data.get("organization_id") or None
        first_party = getattr(self.app, "is_first_party", False)
        return create_request(kind, values, first_party=first_party), {}


@dataclass
class ApplyPreview:
    """The values of `source_app` in `source` applied to `app` of the current environment."""

    app: Any
    source: Environment
    source_app: Any
    here: Environment
    # The source's values replaced when the two were copied, and their replacements here.
    counterparts: drift.Counterparts
    form: ApplyForm
    formset: Any

    @classmethod
    def of(
        cls, app: Any, source: Environment, source_app: Any, counterparts, data=None
    ) -> "ApplyPreview":
        here = environments.current()
        initial = {
            "version": app.updated_at.isoformat(),
            "source_version": source_app.updated_at.isoformat(),
        }
        found = drift.refusals(
            _without_test_callbacks(editable_values(source_app)),
            production=here.production,
            counterparts=counterparts,
        )
        formset = RefusedValueFormSet(data, refusals=found, production=here.production)
        form = ApplyForm(data, initial=initial, environment=here)
        return cls(app, source, source_app, here, counterparts, form, formset)

    @property
    def stale(self) -> bool:
        versions = (self.form.data.get("version"), self.form.data.get("source_version"))
        return versions != (
            self.app.updated_at.isoformat(),
            self.source_app.updated_at.isoformat(),
        )

    def is_valid(self) -> bool:
        return self.form.is_valid() and self.formset.is_valid()

    @property
    def test_callbacks(self) -> list[str]:
        """The dashboard's test callbacks of the other side's application, left out."""
        return _test_callbacks(self.source_app)

    def after(self) -> dict[str, Any]:
        """This application's editable values once the other's are applied; the dashboard's
        test callbacks neither come from the other side nor go from this one."""
        ours = editable_values(self.app)
        after = drift.transfer(
            _without_test_callbacks(editable_values(self.source_app)),
            ours,
            source_production=self.source.production,
            target_production=self.here.production,
            replacements=_replacements(self.formset),
            counterparts=self.counterparts,
        )
        if "redirect_uris" in after:
            after["redirect_uris"] = footprint.keeping_test_callbacks(
                after["redirect_uris"], ours.get("redirect_uris") or []
            )
        return after

    def changes(self) -> dict[str, dict]:
        return differences(editable_values(self.app), self.after())

    def kept(self) -> list[drift.Refusal]:
        """This application's own values that the other side's rules refuse: they stay."""
        return drift.refusals(
            editable_values(self.app),
            production=self.source.production,
            counterparts=drift.inverse(self.counterparts),
        )

    def replaced(self) -> list[tuple[AppField, str, str]]:
        """The source's values that become their counterparts here, as when copied."""
        theirs = editable_values(self.source_app)
        return [
            (by_name(field), value, here)
            for (field, value), here in self.counterparts.items()
            if value in map(drift.entry_text, theirs.get(field) or [])
        ]

    def rows(self, problems: Problems | None = None) -> list[Row]:
        ours, after, refused = editable_values(self.app), self.after(), self.formset.by_field()
        changes, problems = differences(ours, after), problems or {}
        return [
            Row(
                f,
                ours.get(f.name),
                after.get(f.name),
                refused.get(f.name, []),
                problems.get(f.name, []),
            )
            for f in fields_of(self.app.application_type, editable_only=True)
            if f.name in changes or f.name in refused or f.name in problems
        ]

    def update_request(self) -> tuple[ApplicationUpdate | None, Problems]:
        """The changes to send once the preview is valid (None: nothing to change), or the
        fields that are not valid; or None with the form's error, in production, when the
        redirect URIs change and the environment's name was not typed."""
        after, changes = self.after(), self.changes()
        if not changes:
            return None, {}
        if "redirect_uris" in changes and not self.form.redirect_uris_change_confirmed():
            return None, {}
        table = fields_of(self.app.application_type, editable_only=True)
        values, problems = cleaned(
            {name: after[name] for name in changes}, table, production=self.here.production
        )
        return (None, problems) if problems else (ApplicationUpdate(**values), {})
