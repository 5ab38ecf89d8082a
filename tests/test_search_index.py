"""The dashboard's search index: a full sync walks every page into it and removes what is
gone, one environment at a time, never holding a secret."""

from io import StringIO

import pytest
from django.core.management import call_command

from dashboard import environments
from dashboard.emulator import partition, store
from dashboard.search import index
from dashboard.search.models import IndexedApplication, Sync

pytestmark = pytest.mark.django_db


def oauth(name: str, **fields):
    return store.application_create(
        application_type="oauth", name=name, is_first_party=True, redirect_uris=[], **fields
    )


def test_a_sync_indexes_every_page_and_removes_what_is_gone():
    apps = [oauth(f"App {i:03d}") for i in range(index.PAGE + 5)]
    dynamic = store.application_create(
        application_type="oauth", name="Registered by a client", is_first_party=False,
        redirect_uris=[], was_dynamically_registered=True,
    )  # fmt: skip
    assert index.sync() == len(apps) + 1

    store.application_delete(apps[0])
    renamed = store.application_update(apps[1], {"name": "Équipe Portal"})
    pages = []
    seen = index.sync(on_page=pages.append)

    rows = IndexedApplication.objects.filter(environment="sandbox")
    assert seen == rows.count() == len(apps)
    assert pages == [index.PAGE, len(apps)]
    assert not rows.filter(application_id=apps[0].id).exists()
    row = rows.get(application_id=renamed.id)
    assert (row.name, row.folded_name, row.client_id) == (
        "Équipe Portal", "equipe portal", renamed.client_id
    )  # fmt: skip
    assert rows.get(application_id=dynamic.id).was_dynamically_registered
    state = Sync.objects.get(environment="sandbox")
    assert state.seen == len(apps) and state.phase == "applications"


def test_each_environment_has_its_own_rows():
    oauth("Sandbox App")
    with partition.override("production"):
        live = oauth("Live App")

    with environments.override("production"):
        index.sync()

    assert list(IndexedApplication.objects.values_list("environment", "application_id")) == [
        ("production", live.id)
    ]


def test_the_command_syncs_every_environment_or_one():
    oauth("Sandbox App")
    with partition.override("production"):
        oauth("Live App")
    err = StringIO()

    call_command("connect", "sync", stderr=err)

    assert "Indexed 1 applications of sandbox." in err.getvalue()
    assert "Indexed 1 applications of production." in err.getvalue()
    assert IndexedApplication.objects.count() == 2

    IndexedApplication.objects.all().delete()
    call_command("connect", "sync", "--environment", "production", stderr=StringIO())
    assert list(IndexedApplication.objects.values_list("environment", flat=True)) == ["production"]


def test_fold_ignores_case_and_accents():
    assert index.fold("ÉQUIPE Straße") == index.fold("equipe strasse")


def test_the_dashboards_reads_and_writes_keep_the_index_fresh(client):
    from .conftest import make_user

    client.force_login(make_user("ops", role="Admin"))
    outside = oauth("Made Outside")  # Through the API, not the dashboard.
    rows = IndexedApplication.objects.filter(environment="sandbox")
    assert not rows.exists()

    client.get("/sandbox/applications/")
    assert list(rows.values_list("name", flat=True)) == ["Made Outside"]

    store.application_update(outside, {"name": "Renamed Outside"})
    client.get(f"/sandbox/applications/{outside.id}/")
    assert rows.get().name == "Renamed Outside"

    client.post(
        "/sandbox/applications/new",
        {"application_type": "oauth", "party": "first", "name": "Made Here", "action": "save",
         "redirect_uri": [""], "idempotency_key": "k"},
    )  # fmt: skip
    made = rows.get(name="Made Here")
    client.post(f"/sandbox/applications/{made.application_id}/delete",
                {"confirm_name": "Made Here"})  # fmt: skip
    assert list(rows.values_list("name", flat=True)) == ["Renamed Outside"]


def test_a_read_of_unchanged_applications_writes_nothing(django_assert_num_queries):
    apps = [oauth(f"App {i}") for i in range(3)]
    index.record(apps)

    with django_assert_num_queries(1):
        index.record(apps)
