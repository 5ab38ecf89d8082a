import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.emulator import store
from dashboard.emulator.ids import new_id
from dashboard.emulator.models import Application
from dashboard.emulator.pagination import ListQuery


def make_apps(count: int, organization=None, dynamic: bool = False) -> list[str]:
    """Stored apps, oldest first; answers their IDs."""
    rows = []
    for index in range(count):
        app_id, created = new_id("conn_app_")
        client_id, _ = new_id("client_")
        rows.append(
            Application(
                id=app_id,
                client_id=client_id,
                name=f"App {index}",
                application_type="m2m",
                organization=organization,
                was_dynamically_registered=dynamic,
                created_at=created,
                updated_at=created,
            )
        )
    Application.objects.bulk_create(rows, batch_size=1000)
    return [row.id for row in rows]


def ids(response) -> list[str]:
    return [app["id"] for app in response.json()["data"]]


def cursors(response) -> tuple:
    metadata = response.json()["list_metadata"]
    return metadata["before"], metadata["after"]


@pytest.fixture
def twenty_five(db, organization):
    return make_apps(25, organization)


def test_desc_lists_newest_first_and_after_continues(api, twenty_five):
    newest_first = twenty_five[::-1]

    first = api.get("connect/applications", {"limit": 10})
    assert ids(first) == newest_first[:10]
    assert cursors(first) == (None, newest_first[9])

    second = api.get("connect/applications", {"limit": 10, "after": newest_first[9]})
    assert ids(second) == newest_first[10:20]
    assert cursors(second) == (newest_first[10], newest_first[19])

    last = api.get("connect/applications", {"limit": 10, "after": newest_first[19]})
    assert ids(last) == newest_first[20:]
    assert cursors(last) == (newest_first[20], None)

    back = api.get("connect/applications", {"limit": 10, "before": newest_first[20]})
    assert ids(back) == newest_first[10:20]
    assert cursors(back) == (newest_first[10], newest_first[19])


def test_asc_lists_oldest_first(api, twenty_five):
    first = api.get("connect/applications", {"limit": 10, "order": "asc"})
    assert ids(first) == twenty_five[:10]
    assert cursors(first) == (None, twenty_five[9])

    second = api.get("connect/applications", {"limit": 10, "order": "asc", "after": twenty_five[9]})
    assert ids(second) == twenty_five[10:20]

    back = api.get("connect/applications", {"limit": 10, "order": "asc", "before": twenty_five[10]})
    assert ids(back) == twenty_five[:10]
    assert cursors(back) == (None, twenty_five[9])


def test_normal_lists_newest_first_with_swapped_cursors(api, twenty_five):
    newest_first = twenty_five[::-1]

    first = api.get("connect/applications", {"limit": 10, "order": "normal"})
    assert ids(first) == newest_first[:10]
    # `before` fetches older records, `after` newer ones.
    assert cursors(first) == (newest_first[9], None)

    older = api.get(
        "connect/applications", {"limit": 10, "order": "normal", "before": newest_first[9]}
    )
    assert ids(older) == newest_first[10:20]
    assert cursors(older) == (newest_first[19], newest_first[10])

    newer = api.get(
        "connect/applications", {"limit": 10, "order": "normal", "after": newest_first[10]}
    )
    assert ids(newer) == newest_first[:10]
    assert cursors(newer) == (newest_first[9], None)


@pytest.mark.parametrize("order", ["desc", "asc", "normal"])
def test_walking_every_page_visits_every_app_once(api, twenty_five, order):
    seen, params = [], {"limit": 7, "order": order}
    forward = "before" if order == "normal" else "after"
    while True:
        response = api.get("connect/applications", params)
        seen += ids(response)
        cursor = response.json()["list_metadata"][forward]
        if cursor is None:
            break
        params = {"limit": 7, "order": order, forward: cursor}

    assert sorted(seen) == sorted(twenty_five)
    assert len(seen) == len(set(seen))


def test_a_cursor_of_a_deleted_app_still_works(api, twenty_five):
    newest_first = twenty_five[::-1]
    Application.objects.filter(id=newest_first[9]).delete()

    response = api.get("connect/applications", {"limit": 5, "after": newest_first[9]})

    assert ids(response) == newest_first[10:15]


def test_registration_types_default_to_authenticated(api, organization):
    authenticated = make_apps(2, organization)
    dynamic = make_apps(1, organization, dynamic=True)

    assert set(ids(api.get("connect/applications"))) == set(authenticated)
    assert set(ids(api.get("connect/applications", {"registration_types": "dynamic"}))) == set(
        dynamic
    )
    both = api.get("connect/applications", {"registration_types": "dynamic,authenticated"})
    assert set(ids(both)) == set(authenticated + dynamic)


def test_it_filters_by_organization(api, organization, other_organization):
    mine = make_apps(3, organization)
    make_apps(2, other_organization)

    response = api.get("connect/applications", {"organization_id": organization.id})

    assert set(ids(response)) == set(mine)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "1" * 5000}, "limit"),
        ({"limit": ""}, "limit"),
        ({"order": "sideways"}, "order"),
        ({"order": ""}, "order"),
        ({"after": "conn_app_" + "0" * 32}, "after"),
        ({"registration_types": "dynamic,other"}, "registration_types"),
        ({"before": "conn_app_1", "after": "conn_app_2"}, "before"),
        ({"after": "x\x00y"}, "after"),
    ],
)
def test_it_refuses_bad_list_parameters(api, params, field):
    response = api.get("connect/applications", params)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_limit_accepts_1_to_100(api, twenty_five):
    assert len(ids(api.get("connect/applications", {"limit": 1}))) == 1
    assert len(ids(api.get("connect/applications", {"limit": 100}))) == 25
    assert len(ids(api.get("connect/applications"))) == 10


def query_counts(api, first_page_ids: list[str]) -> list[int]:
    counts = []
    for params in (
        {"limit": 10},
        {"limit": 10, "after": first_page_ids[5]},
        {"limit": 10, "before": first_page_ids[5]},
        {"limit": 10, "order": "asc"},
    ):
        with CaptureQueriesContext(connection) as queries:
            assert api.get("connect/applications", params).status_code == 200
        counts.append(len(queries))
    return counts


def test_a_page_costs_the_same_queries_for_10_and_10000_apps(api, organization):
    few = make_apps(10, organization)
    counts_with_few = query_counts(api, few[::-1])

    make_apps(9_990, organization)
    newest_first = list(Application.objects.order_by("-id").values_list("id", flat=True)[:10])
    counts_with_many = query_counts(api, newest_first)

    assert counts_with_few == counts_with_many
    assert max(counts_with_many) <= 2


def test_pages_are_keyset_range_scans(db, organization):
    make_apps(3, organization)
    sql_for = {}
    with CaptureQueriesContext(connection) as queries:
        store.application_list(
            ListQuery(limit=10, after="conn_app_5"),
            organization_id=None,
            registration_types={"authenticated"},
        )
    sql_for["after"] = queries[0]["sql"]

    assert '"id" < ' in sql_for["after"]
    assert "LIMIT 11" in sql_for["after"]
    assert "OFFSET" not in sql_for["after"]
