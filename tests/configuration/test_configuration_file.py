"""The configuration file: reading with every problem's line and field, the schema, keys, and
writing text that is the same for the same applications in any environment."""

import json

import pytest
import yaml

from dashboard import rules, uris
from dashboard.configuration import document
from dashboard.configuration.document import InvalidDocument, parse

GOOD = """\
version: 1
applications:
  portal:
    name: Customer Portal
    application_type: oauth
    is_first_party: true
    uses_pkce: true
    redirect_uris:
      - uri: https://portal.example.com/callback
      - uri: http://127.0.0.1:8080/callback
    scopes: [openid, profile]
  worker:
    name: Billing worker
    application_type: m2m
    organization: Acme
    scopes: []
"""


def problems(text: str, *, production: bool = False, file_format: str | None = None) -> list:
    with pytest.raises(InvalidDocument) as raised:
        parse(text, production=production, file_format=file_format)
    return [(problem.line, problem.field, problem.message) for problem in raised.value.problems]


def test_a_good_file_reads_as_the_api_will_hold_it():
    entries = parse(GOOD, production=False).entries

    assert [(entry.key, entry.line) for entry in entries] == [("portal", 3), ("worker", 12)]
    portal, worker = (entry.values for entry in entries)
    assert portal["redirect_uris"] == [
        {"uri": "https://portal.example.com/callback", "default": True},
        {"uri": "http://127.0.0.1:8080/callback", "default": False},
    ]
    assert portal["description"] is None and portal["cors_origins"] == []
    assert worker == {
        "name": "Billing worker",
        "application_type": "m2m",
        "organization": "Acme",
        "description": None,
        "scopes": [],
    }


def test_a_syntax_error_says_its_line():
    text = GOOD.replace("    scopes: [openid, profile]", "    scopes: [openid, profile")

    [(line, field, message)] = problems(text)

    assert line == 12
    assert field == ""
    assert message.startswith("Not valid YAML:")


def test_a_schema_error_says_its_field_and_line():
    text = GOOD.replace("uses_pkce: true", "uses_pkce: sometimes")

    assert problems(text) == [(7, "applications.portal.uses_pkce", "Must be true or false.")]


def test_every_problem_is_reported_at_once_in_line_order():
    text = (
        GOOD.replace("application_type: m2m", "application_type: robot")
        .replace("  portal:", "  Portal:")
        .replace("    name: Billing worker\n", "")
    )

    found = problems(text)

    assert found == [
        (3, "applications.Portal", found[0][2]),
        (12, "applications.worker.name", "“name” is required."),
        (13, "applications.worker.application_type", 'Must be "oauth" or "m2m".'),
    ]
    assert "“Portal” cannot be a key" in found[0][2]


def test_an_unknown_field_is_named_on_its_own_line():
    text = GOOD.replace("    uses_pkce: true\n", "    uses_pkce: true\n    client_secret: s3cr3t\n")

    [(line, field, message)] = problems(text)

    assert (line, field) == (8, "applications.portal.client_secret")
    assert message.startswith("“client_secret” is not a field here; the fields are name,")


def test_fields_a_type_does_not_have_are_refused_in_its_words():
    text = GOOD.replace("    scopes: []\n", "    scopes: []\n    redirect_uris: []\n")

    assert problems(text) == [
        (
            17,
            "applications.worker.redirect_uris",
            "Machine-to-machine applications have no such field.",
        )
    ]


def test_first_and_third_party_say_what_they_need():
    first_party_with_organization = GOOD.replace(
        "    is_first_party: true\n", "    is_first_party: true\n    organization: Acme\n"
    )
    third_party_without = GOOD.replace("is_first_party: true", "is_first_party: false")
    no_registration = GOOD.replace("    is_first_party: true\n", "")

    assert problems(first_party_with_organization) == [
        (
            7,
            "applications.portal.organization",
            "A first-party application belongs to the environment, not to an organization: "
            "leave “organization” out.",
        )
    ]
    assert problems(third_party_without) == [
        (
            3,
            "applications.portal.organization",
            "A third-party application belongs to an organization: name it in “organization”.",
        )
    ]
    [(line, field, message)] = problems(no_registration)
    assert (line, field) == (3, "applications.portal.is_first_party")
    assert "first-party or third-party" in message


def test_yes_no_on_and_off_are_text_as_yaml_1_2_reads_them():
    text = GOOD.replace("name: Billing worker", "name: no").replace(
        "is_first_party: true", "is_first_party: yes"
    )

    assert problems(text) == [
        (
            6,
            "applications.portal.is_first_party",
            "Must be true or false. “yes” is text here, as YAML 1.2 reads it: write true or false.",
        )
    ]
    worker = parse(GOOD.replace("name: Billing worker", "name: no"), production=False).entries[1]
    assert worker.name == "no"


def test_the_version_must_be_one_this_dashboard_reads():
    [(line, field, message)] = problems(GOOD.replace("version: 1", "version: 2"))

    assert (line, field) == (1, "version")
    assert message == "This dashboard reads version 1 files; this one says 2."


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "The file is empty."),
        ("- a\n- b\n", "The file must be a mapping with “version” and “applications”."),
        ("version: 1\n", "“applications” is required."),
    ],
)
def test_files_that_are_not_configurations_say_so(text, message):
    assert [found[2] for found in problems(text)] == [message]


def test_the_apis_rules_apply_with_their_words_and_production_refuses_more():
    text = GOOD.replace("[openid, profile]", "[openid, Profile, openid]")

    found = problems(text)
    assert [(line, field) for line, field, _ in found] == [
        (11, "applications.portal.scopes[1]"),
        (11, "applications.portal.scopes[2]"),
    ]
    assert "permission slug" in found[0][2]
    assert found[1][2] == "“openid” is listed twice."
    assert problems(GOOD, production=True) == [
        (
            10,
            "applications.portal.redirect_uris[1].uri",
            "Production environments accept only https redirect URIs and no localhost.",
        )
    ]


def test_only_one_redirect_uri_may_be_the_default():
    text = GOOD.replace(
        "https://portal.example.com/callback",
        "https://portal.example.com/callback\n        default: true",
    ).replace("8080/callback", "8080/callback\n        default: true")

    assert problems(text) == [
        (8, "applications.portal.redirect_uris", "At most one redirect URI may be the default.")
    ]


def test_a_key_written_twice_is_refused_not_silently_replaced():
    text = GOOD + "  portal:\n    name: Other\n    application_type: m2m\n    organization: A\n"

    assert problems(text) == [
        (17, "applications.portal", "“portal” is written twice (first on line 3).")
    ]


def test_anchors_and_aliases_are_refused_so_a_few_lines_cannot_stand_for_billions():
    bomb = 'version: 1\nx: &a ["lol", "lol"]\ny: &b [*a, *a]\napplications: {}\n'

    found = problems(bomb)

    refused = (
        "Anchors and aliases (& and *) are not supported: write each value out (this one "
        "repeats line 2)."
    )
    assert (2, "y[0]", refused) in found and (2, "y[1]", refused) in found


def test_json_files_report_lines_too():
    data = yaml.safe_load(GOOD)
    data["applications"]["worker"]["scopes"] = "all"
    text = json.dumps(data, indent=2)

    [(line, field, message)] = problems(text)

    assert field == "applications.worker.scopes"
    assert text.splitlines()[line - 1].strip() == '"scopes": "all"'
    assert message == "Must be a list."


def test_json_syntax_errors_say_where():
    [(line, field, message)] = problems('{\n  "version": 1,\n  "applications": {,}\n}')

    assert line == 3
    assert message.startswith("Not valid JSON:")


def test_a_json_key_written_twice_is_refused():
    text = '{\n  "version": 1,\n  "version": 1,\n  "applications": {}\n}'

    assert problems(text) == [(3, "version", "“version” is written twice (first on line 2).")]


def test_the_schemas_limits_are_the_apis():
    application = document.schema()["$defs"]["application"]["properties"]

    assert application["name"]["maxLength"] == rules.MAX_NAME
    assert application["organization"]["maxLength"] == rules.MAX_NAME
    assert application["description"]["maxLength"] == rules.MAX_DESCRIPTION
    assert application["scopes"]["items"]["maxLength"] == rules.MAX_SCOPE
    for name in ("scopes", "redirect_uris", "cors_origins"):
        assert application[name]["maxItems"] == rules.MAX_LIST_ITEMS
    uri = document.schema()["$defs"]["redirect_uri"]["properties"]["uri"]
    assert uri["maxLength"] == uris.MAX_URI_LENGTH


# --- Keys and writing -----------------------------------------------------------------------


def test_keys_are_slugs_of_names_with_a_number_on_a_clash():
    names = ["Portal 2", "Portal", "portal", "Mobile App (iOS)", "Портал", "Portal"]

    keyed = dict(document.keyed(names))

    assert keyed == {
        1: "portal",
        5: "portal-3",
        2: "portal-4",
        0: "portal-2",
        3: "mobile-app-ios",
        4: "application",
    }
    # In the file: by key base, then name, then creation.
    assert [index for index, _ in document.keyed(names)] == [4, 3, 1, 5, 2, 0]


def test_keys_do_not_depend_on_the_order_names_were_created_in():
    def keys(names: list[str]) -> dict[str, str]:
        return {names[index]: key for index, key in document.keyed(names)}

    assert keys(["b", "a", "B", "Portal 2", "Portal"]) == keys(
        ["Portal", "B", "Portal 2", "a", "b"]
    )


def test_writing_reads_back_to_the_same_values():
    values = [entry.values for entry in parse(GOOD, production=False).entries]
    data = document.file_data(values)

    for file_format in document.FORMATS:
        text = document.render(data, file_format)
        again = parse(text, production=False)
        assert [entry.key for entry in again.entries] == ["billing-worker", "customer-portal"]
        assert [entry.values for entry in again.entries] == values[::-1]


def test_text_of_several_lines_is_written_as_a_block():
    values = [entry.values for entry in parse(GOOD, production=False).entries]
    values[0]["description"] = "First line.\nSecond line."

    text = document.render(document.file_data(values))

    assert "    description: |-\n      First line.\n      Second line.\n" in text
    assert parse(text, production=False).entries[1].values["description"] == (
        "First line.\nSecond line."
    )
