"""The three-way merge and the table of application fields, as pure functions."""

import pytest
from django import forms
from pydantic import ValidationError

from dashboard.applications.merge import MergedField, merge
from dashboard.connect.models import ApplicationUpdate, M2MApplicationCreate, OAuthApplicationCreate
from dashboard.kernel import fields
from dashboard.kernel.fields import differences, editable_values, shown_values

ORIGINAL = {"name": "Portal", "description": None, "scopes": ["openid"], "cors_origins": []}


def test_a_field_only_they_changed_takes_their_value():
    theirs = ORIGINAL | {"name": "Portal v2"}

    merged, report = merge(ORIGINAL, theirs, dict(ORIGINAL))

    assert merged["name"] == "Portal v2"
    assert report == [MergedField("name", "Portal v2", "Portal", "theirs")]


def test_a_field_only_you_changed_takes_yours():
    yours = ORIGINAL | {"scopes": ["openid", "email"]}

    merged, report = merge(ORIGINAL, dict(ORIGINAL), yours)

    assert merged["scopes"] == ["openid", "email"]
    assert report == [MergedField("scopes", ["openid"], ["openid", "email"], "yours")]


def test_a_field_both_changed_keeps_yours_and_is_reported_as_both():
    theirs = ORIGINAL | {"description": "Theirs", "name": "Portal v2"}
    yours = ORIGINAL | {"description": "Mine"}

    merged, report = merge(ORIGINAL, theirs, yours)

    assert merged == theirs | {"description": "Mine"}
    assert MergedField("description", "Theirs", "Mine", "both") in report
    assert MergedField("name", "Portal v2", "Portal", "theirs") in report


def test_the_same_change_on_both_sides_is_no_conflict():
    both = ORIGINAL | {"name": "Same"}

    merged, report = merge(ORIGINAL, both, dict(both))

    assert merged == both and report == []


def test_without_the_original_every_difference_keeps_yours():
    merged, report = merge({}, ORIGINAL | {"name": "A"}, ORIGINAL | {"name": "B"})

    assert merged["name"] == "B" and report[0].side == "both"


def test_every_field_of_the_table_has_a_form_field_and_a_known_display():
    displays = {"text", "multiline", "organization", "pkce", "redirect_uris", "codes", "tags"}
    for field in fields.table():
        assert isinstance(field.form_field(), forms.Field), field.name
        assert field.display in displays, field.name
        assert field.kinds <= fields.BOTH, field.name


def test_editable_values_compare_equal_whatever_their_spelling():
    from_api = {
        "description": "",
        "redirect_uris": [{"uri": "https://a.example/cb", "default": True, "extra": 1}],
        "scopes": None,
    }
    from_form = {
        "description": None,
        "redirect_uris": [{"uri": "https://a.example/cb", "default": True}],
        "scopes": [],
    }

    assert editable_values(from_api) == editable_values(from_form)
    assert differences(editable_values(from_api), editable_values(from_form)) == {}


def test_differences_name_each_changed_field_with_before_and_after():
    before = {"name": "A", "scopes": ["openid"], "cors_origins": []}
    after = {"name": "B", "scopes": ["openid"], "cors_origins": ["https://a.example"]}

    assert differences(before, after) == {
        "name": {"before": "A", "after": "B"},
        "cors_origins": {"before": [], "after": ["https://a.example"]},
    }


def test_an_m2m_app_shows_no_oauth_only_field():
    m2m = {"application_type": "m2m", "name": "Worker", "organization_id": "org_1", "scopes": []}

    names = [field.name for field, _ in shown_values(m2m)]

    assert names == ["name", "description", "organization_id", "scopes"]


def test_a_first_party_app_shows_no_organization():
    oauth = {
        "application_type": "oauth",
        "name": "Portal",
        "is_first_party": True,
        "organization_id": None,
        "uses_pkce": True,
        "redirect_uris": [],
        "cors_origins": [],
        "scopes": [],
    }

    names = [field.name for field, _ in shown_values(oauth)]

    assert "organization_id" not in names
    assert names == ["name", "description", "uses_pkce", "redirect_uris", "cors_origins", "scopes"]


def test_every_field_of_the_table_is_a_field_of_the_api_requests():
    """The requests take their fields from the table: each field a type has is one of its
    create request, each editable field one of an update, and a name not in the table none."""
    editable = {field.name: None for field in fields.editable()}
    oauth = {field.name: None for field in fields.table() if fields.OAUTH in field.kinds}
    m2m = {field.name: None for field in fields.table() if fields.M2M in field.kinds}

    ApplicationUpdate(**editable)
    OAuthApplicationCreate(**oauth | {"name": "Portal", "is_first_party": True})
    M2MApplicationCreate(**m2m | {"name": "Worker", "organization_id": "org_1"})
    with pytest.raises(ValidationError):
        ApplicationUpdate(logo_uri="https://example.com/logo.png")
