"""The pure logic of promotion: what an environment refuses, copies with values dropped or
replaced, and how two copies differ once the environments' rules are taken into account."""

from dashboard.promotion import drift

LOCALHOST = "http://localhost:3000/callback"
LOOPBACK = "http://127.0.0.1:8080/callback"
PORTAL = "https://portal.example.com/callback"
STAGING = "https://staging.portal.example.com/callback"


def uris(*entries: str, default: int = 0) -> list[dict]:
    return [{"uri": uri, "default": index == default} for index, uri in enumerate(entries)]


def sandbox_values(**changes) -> dict:
    return {
        "name": "Customer Portal",
        "description": "Sign-in for customers.",
        "redirect_uris": uris(LOCALHOST, PORTAL),
        "cors_origins": ["http://localhost:3000", "https://portal.example.com"],
        "scopes": ["openid", "email"],
    } | changes


def production_values(**changes) -> dict:
    return (
        sandbox_values(redirect_uris=uris(PORTAL), cors_origins=["https://portal.example.com"])
        | changes
    )


def test_production_refuses_http_and_localhost_with_the_shared_rule():
    found = drift.refusals(sandbox_values(), production=True)

    assert [(r.field.name, r.index, r.value, r.default) for r in found] == [
        ("redirect_uris", 0, LOCALHOST, True),
        ("cors_origins", 0, "http://localhost:3000", False),
    ]
    assert "only https redirect URIs and no localhost" in found[0].rule
    assert "http origins" in found[1].rule
    assert drift.refusals(sandbox_values(), production=False) == []


def test_a_dropped_default_passes_its_part_to_the_first_remaining_uri():
    values = sandbox_values()
    found = drift.refusals(values, production=True)

    copied = drift.adjusted(values, found, [None, None])

    assert copied["redirect_uris"] == uris(PORTAL)
    assert copied["cors_origins"] == ["https://portal.example.com"]
    assert values["redirect_uris"] == uris(LOCALHOST, PORTAL)  # Not changed in place.


def test_a_replacement_takes_the_refused_values_place_and_default():
    values = sandbox_values()
    found = drift.refusals(values, production=True)

    copied = drift.adjusted(values, found, [STAGING, "https://app.example.com"])

    assert copied["redirect_uris"] == uris(STAGING, PORTAL)
    assert copied["cors_origins"] == ["https://app.example.com", "https://portal.example.com"]


def test_the_rules_of_a_replacement_are_the_targets():
    entry = {"uri": LOOPBACK, "default": False}

    assert drift.refusal_rule("redirect_uris", entry, production=True)
    assert drift.refusal_rule("redirect_uris", entry, production=False) is None


def test_copies_that_differ_only_as_the_rules_expect_are_in_step():
    rows = drift.compare(
        sandbox_values(), production_values(), here_production=False, there_production=True
    )

    assert [(row.field.name, row.expected) for row in rows] == [
        ("redirect_uris", True),
        ("cors_origins", True),
    ]
    rule = drift.refusals(sandbox_values(), production=True)[0].rule
    assert rows[0].here_entries == [(LOCALHOST, True, rule, None), (PORTAL, False, None, None)]
    assert rows[0].there_entries == [(PORTAL, True, None, None)]


def test_drift_is_reported_field_by_field():
    here = sandbox_values(description="Changed in the sandbox.", scopes=["openid"])
    here["redirect_uris"] = uris(LOCALHOST, PORTAL, STAGING)

    rows = drift.compare(here, production_values(), here_production=False, there_production=True)

    assert [(row.field.name, row.expected) for row in rows] == [
        ("description", False),
        ("redirect_uris", False),
        ("cors_origins", True),
        ("scopes", False),
    ]
    assert rows[0].here_entries is None


def test_copying_to_production_changes_only_what_drifted():
    here = sandbox_values(scopes=["openid", "email", "profile"])
    target = production_values()

    copied = drift.transfer(here, target, source_production=False, target_production=True)

    assert copied == target | {"scopes": ["openid", "email", "profile"]}


def test_copying_back_changes_no_list_that_differs_only_as_the_rules_expect():
    source = production_values(description="Changed in production.")
    target = sandbox_values()

    copied = drift.transfer(source, target, source_production=True, target_production=False)

    assert copied == target | {"description": "Changed in production."}


def test_copying_back_keeps_the_sandbox_only_values_and_their_default():
    source = production_values(redirect_uris=uris(PORTAL, STAGING))
    target = sandbox_values()

    copied = drift.transfer(source, target, source_production=True, target_production=False)

    assert copied["redirect_uris"] == uris(PORTAL, STAGING, LOCALHOST, default=2)
    assert copied["cors_origins"] == target["cors_origins"]
    rows = drift.compare(copied, source, here_production=False, there_production=True)
    assert all(row.expected for row in rows)


def test_where_the_refused_uri_was_the_default_the_other_sides_default_counts():
    here = sandbox_values(redirect_uris=uris(LOCALHOST, PORTAL, STAGING))
    there = production_values(redirect_uris=uris(PORTAL, STAGING, default=1))

    rows = drift.compare(here, there, here_production=False, there_production=True)

    assert all(row.expected for row in rows)
    assert drift.transfer(here, there, source_production=False, target_production=True) == there


def test_between_two_environments_with_the_same_rules_a_copy_is_exact():
    source, target = sandbox_values(name="Renamed"), sandbox_values()

    assert drift.transfer(source, target, source_production=False, target_production=False) == (
        source
    )


# A value replaced when the application was copied, and its replacement: counterparts.
COPIED_AS = {("redirect_uris", LOCALHOST): STAGING}


def test_a_replaced_value_and_its_replacement_are_an_expected_difference():
    there = production_values(redirect_uris=uris(STAGING, PORTAL))

    rows = drift.compare(
        sandbox_values(),
        there,
        here_production=False,
        there_production=True,
        counterparts=COPIED_AS,
    )
    back = drift.compare(
        there,
        sandbox_values(),
        here_production=True,
        there_production=False,
        counterparts=drift.inverse(COPIED_AS),
    )

    assert all(row.expected for row in rows) and all(row.expected for row in back)
    assert rows[0].here_entries[0] == (LOCALHOST, True, None, STAGING)
    assert back[0].here_entries[0] == (STAGING, True, None, LOCALHOST)


def test_a_copy_either_way_turns_a_value_into_its_counterpart():
    sandbox = sandbox_values(description="Changed in the sandbox.")
    production = production_values(redirect_uris=uris(STAGING, PORTAL))

    there = drift.transfer(
        sandbox, production, source_production=False, target_production=True, counterparts=COPIED_AS
    )
    assert there == production | {"description": "Changed in the sandbox."}
    assert drift.refusals(sandbox, production=True, counterparts=COPIED_AS)[0].field.name == (
        "cors_origins"
    )

    production["redirect_uris"].append(
        {"uri": "https://eu.portal.example.com/cb", "default": False}
    )
    back = drift.transfer(
        production,
        sandbox,
        source_production=True,
        target_production=False,
        counterparts=drift.inverse(COPIED_AS),
    )
    assert back["redirect_uris"] == uris(LOCALHOST, PORTAL, "https://eu.portal.example.com/cb")
