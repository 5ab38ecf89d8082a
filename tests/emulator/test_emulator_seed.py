"""The demo seed: a believable history that obeys the API's own rules."""

from dashboard.emulator import partition
from dashboard.emulator.ids import now
from dashboard.emulator.models import Application, ClientSecret
from dashboard.emulator.seed import seed_demo_data


def test_a_seeded_secret_is_used_after_it_was_made_and_never_in_the_future(db):
    seed_demo_data()
    after_seeding = now()

    secrets = list(ClientSecret.objects.select_related("application"))
    used = [secret for secret in secrets if secret.last_used_at]

    assert used and len(used) < len(secrets)
    for secret in used:
        assert secret.created_at < secret.last_used_at <= after_seeding, secret
    for secret in secrets:
        assert secret.application.created_at < secret.created_at, secret


def test_seeded_secrets_read_the_same_over_the_api(api):
    seed_demo_data()

    for app in Application.objects.filter(client_secrets__isnull=False):
        for secret in api.get(f"connect/applications/{app.id}/client_secrets").json():
            if secret["last_used_at"]:
                assert secret["created_at"] < secret["last_used_at"]


def test_seeded_ids_are_in_creation_order(db):
    seed_demo_data()

    by_id = list(Application.objects.order_by("id").values_list("created_at", flat=True))

    assert by_id == sorted(by_id)


def test_the_seed_fills_only_an_empty_api(db):
    created = seed_demo_data()

    assert created["sandbox"] == Application.objects.count() > 0
    with partition.override("production"):
        assert created["production"] == Application.objects.count() > 0
    assert seed_demo_data() == {}


def test_production_has_some_sandbox_applications_as_promoted_with_https_only(db):
    seed_demo_data()
    sandbox = {app.name: app for app in Application.objects.all()}

    with partition.override("production"):
        production = list(Application.objects.select_related("organization"))
        for app in production:
            assert all(entry["uri"].startswith("https://") for entry in app.redirect_uris)
            if app.organization:
                assert app.organization.name == sandbox[app.name].organization.name
                assert app.organization.id != sandbox[app.name].organization.id
        assert all(app.client_secrets.exists() for app in production)

    portal = next(app for app in production if app.name == "Customer Portal")
    assert portal.scopes != sandbox["Customer Portal"].scopes  # The demo's drift.
