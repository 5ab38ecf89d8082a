"""Production guard rails: in production, deleting an application, revoking a client secret
and changing redirect URIs ask for the environment's name as well; the sandbox does not."""

import pytest

from dashboard import connect, environments
from dashboard.applications.forms import ApplicationEditForm
from dashboard.audit.models import AuditEvent
from dashboard.emulator import partition, store
from dashboard.emulator.models import Application, ClientSecret

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
CALLBACK = "https://portal.example.com/cb"
MISSING = "This is Production: type production as well to confirm"


def application_in(environment: str):
    with partition.override(environment):
        app = store.application_create(
            application_type="oauth",
            name="Customer Portal",
            is_first_party=True,
            scopes=["openid"],
            redirect_uris=[{"uri": CALLBACK, "default": True}],
        )
        secret, _ = store.client_secret_create(app)
    return app, secret


@pytest.fixture
def live():
    return application_in("production")


@pytest.fixture
def sandbox():
    return application_in("sandbox")


def stored(app, environment: str = "production") -> Application:
    with partition.override(environment):
        return Application.objects.filter(id=app.id).first()


def secrets_of(app, environment: str = "production") -> int:
    with partition.override(environment):
        return ClientSecret.objects.filter(application_id=app.id).count()


def changes_recorded() -> list[str]:
    return list(AuditEvent.objects.exclude(action__in=["sign_in"]).values_list("action", flat=True))


# --- Deleting -----------------------------------------------------------------------------------


def test_deleting_in_production_asks_for_the_environments_name_as_well(admin, live):
    app, _ = live
    url = f"/production/applications/{app.id}/delete"

    page = admin.get(url).content.decode()
    missing = admin.post(url, {"confirm_name": "Customer Portal"})
    wrong = admin.post(url, {"confirm_name": "Customer Portal", "confirm_environment": "prod"})

    assert '<label for="id_confirm_environment">Type <strong>production</strong>' in page
    assert missing.status_code == wrong.status_code == 422
    assert f"{MISSING} deleting the application." in missing.content.decode()
    assert (
        "“prod” is not this environment’s name: type production to confirm deleting the "
        "application." in wrong.content.decode()
    )
    # What was typed stays, and the box that is wrong is the one marked and focused.
    html = wrong.content.decode()
    assert 'value="Customer Portal"' in html and 'value="prod"' in html
    assert 'aria-describedby="id_confirm_environment_error"' in html
    assert 'aria-invalid="true" autofocus' in html
    assert stored(app) is not None and changes_recorded() == []

    done = admin.post(url, {"confirm_name": "Customer Portal", "confirm_environment": "production"})

    assert done.status_code == 303 and done["Location"] == "/production/applications/"
    assert stored(app) is None
    assert list(AuditEvent.objects.filter(action="delete").values_list("environment")) == [
        ("production",)
    ]


def test_a_wrong_name_of_the_application_is_focused_before_the_environments(admin, live):
    app, _ = live

    html = admin.post(
        f"/production/applications/{app.id}/delete", {"confirm_name": "Customer"}
    ).content.decode()

    assert "Type the application’s name exactly to confirm." in html
    assert f"{MISSING} deleting the application." in html
    assert html.count("autofocus") == 1
    assert html.index("autofocus") < html.index('id="id_confirm_environment"')
    assert stored(app) is not None


def test_deleting_in_the_sandbox_asks_for_the_applications_name_only(admin, sandbox):
    app, _ = sandbox
    url = f"/sandbox/applications/{app.id}/delete"

    assert "confirm_environment" not in admin.get(url).content.decode()
    done = admin.post(url, {"confirm_name": "Customer Portal"})

    assert done.status_code == 303 and stored(app, "sandbox") is None


# --- Revoking a client secret -------------------------------------------------------------------


def test_revoking_a_secret_in_production_asks_for_the_environments_name(admin, live):
    app, secret = live
    url = f"/production/applications/{app.id}/secrets/{secret.id}/revoke"

    page = admin.get(url).content.decode()
    missing = admin.post(url)
    wrong = admin.post(url, {"confirm_environment": "Production"})

    assert "to confirm revoking the secret</label>" in page
    assert missing.status_code == wrong.status_code == 422
    assert f"{MISSING} revoking the secret." in missing.content.decode()
    assert "“Production” is not this environment’s name" in wrong.content.decode()
    assert 'value="Production"' in wrong.content.decode()
    assert secrets_of(app) == 1 and changes_recorded() == []

    done = admin.post(url, {"confirm_environment": "production"})

    assert done.status_code == 303 and secrets_of(app) == 0
    assert AuditEvent.objects.get(action="secret_revoked").environment == "production"


def test_revoking_in_the_sandbox_asks_nothing_more(admin, sandbox):
    app, secret = sandbox
    url = f"/sandbox/applications/{app.id}/secrets/{secret.id}/revoke"

    assert "confirm_environment" not in admin.get(url).content.decode()
    assert admin.post(url).status_code == 303
    assert secrets_of(app, "sandbox") == 0


# --- Changing redirect URIs ---------------------------------------------------------------------


def edit(app, environment: str = "production", **changes) -> dict:
    """The edit form of `app` as a browser posts it back, with `changes`."""
    with environments.override(environment):
        current = connect.application_get(application_id=app.id)
    return {
        "updated_at": current.updated_at.isoformat(),
        "original": "{}",
        "name": "Customer Portal",
        "description": "",
        "scopes": ["openid"],
        "redirect_uri": [CALLBACK],
        "redirect_default": "0",
        "cors_origins": "",
        "action": "save",
    } | changes


NEW_URIS = {"redirect_uri": [CALLBACK, "https://new.example.com/cb"], "redirect_default": "1"}


def test_changing_redirect_uris_in_production_asks_for_the_environments_name(admin, live):
    app, _ = live
    url = f"/production/applications/{app.id}/edit"

    missing = admin.post(url, edit(app, name="Portal 2", **NEW_URIS))
    wrong = admin.post(
        url, edit(app, name="Portal 2", confirm_environment="sandbox", **NEW_URIS), headers=HTMX
    )

    assert missing.status_code == wrong.status_code == 422
    assert f"{MISSING} changing the redirect URIs." in missing.content.decode()
    assert "Nothing was saved." in missing.content.decode()
    # The form as the user left it: their name, their new row, what they typed in the box.
    html = wrong.content.decode()
    assert "“sandbox” is not this environment’s name" in html
    assert 'value="Portal 2"' in html and 'value="https://new.example.com/cb"' in html
    assert 'value="sandbox"' in html
    assert html.lstrip().startswith('<form id="application-form"')
    assert stored(app).name == "Customer Portal" and len(stored(app).redirect_uris) == 1
    assert changes_recorded() == []

    done = admin.post(url, edit(app, name="Portal 2", confirm_environment="production", **NEW_URIS))

    assert done.status_code == 303
    assert stored(app).redirect_uris[1] == {"uri": "https://new.example.com/cb", "default": True}
    assert AuditEvent.objects.get(action="update").environment == "production"


def test_changing_only_the_default_redirect_uri_is_a_change_too(admin, live):
    app, _ = live
    with partition.override("production"):
        store.application_update(
            stored(app),
            {
                "redirect_uris": [
                    {"uri": CALLBACK, "default": True},
                    {"uri": "https://b.example.com/cb", "default": False},
                ]
            },
        )

    response = admin.post(
        f"/production/applications/{app.id}/edit",
        edit(app, redirect_uri=[CALLBACK, "https://b.example.com/cb"], redirect_default="1"),
    )

    assert response.status_code == 422
    assert stored(app).redirect_uris[0]["default"] is True


def test_other_changes_in_production_ask_nothing_more(admin, live):
    app, _ = live

    response = admin.post(f"/production/applications/{app.id}/edit", edit(app, name="Portal 2"))

    assert response.status_code == 303 and stored(app).name == "Portal 2"


def test_adding_a_row_keeps_what_was_typed_in_the_box(admin, live):
    app, _ = live

    html = admin.post(
        f"/production/applications/{app.id}/edit",
        edit(app, action="add-uri", confirm_environment="production"),
        headers=HTMX,
    ).content.decode()

    assert html.count('name="redirect_uri"') == 2
    assert 'name="confirm_environment" value="production"' in html


def test_the_edit_form_in_production_has_the_box_with_its_help(admin, live):
    app, _ = live

    html = admin.get(f"/production/applications/{app.id}/edit").content.decode()

    assert (
        '<label for="id_confirm_environment">Type <strong>production</strong>, this '
        "environment’s name, to confirm changing the redirect URIs</label>" in html
    )
    assert 'aria-describedby="id_confirm_environment_helptext"' in html
    assert "Needed only when the redirect URIs change." in html


def test_changing_redirect_uris_in_the_sandbox_asks_nothing_more(admin, sandbox):
    app, _ = sandbox
    url = f"/sandbox/applications/{app.id}/edit"

    assert "confirm_environment" not in admin.get(url).content.decode()
    response = admin.post(url, edit(app, "sandbox", **NEW_URIS))

    assert response.status_code == 303
    assert len(stored(app, "sandbox").redirect_uris) == 2


def test_an_m2m_application_in_production_has_no_box(live):
    with partition.override("production"):
        org = store.organization_create(name="Acme", domains=[], metadata={}, external_id=None)
        m2m = store.application_create(
            application_type="m2m", name="Billing", organization_id=org.id
        )
    with environments.override("production"):
        form = ApplicationEditForm.for_application(
            connect.application_get(application_id=m2m.id), production=True
        )

    assert "confirm_environment" not in form.fields
