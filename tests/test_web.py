import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    user = get_user_model().objects.create_user("ops", password="correct-horse-battery")
    client.force_login(user)
    return client


def test_the_home_page_requires_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_home_page_lists_applications_through_the_service_layer(signed_in, api):
    api.post(
        "connect/applications",
        {"name": "Customer Portal", "application_type": "oauth", "is_first_party": True},
    )

    response = signed_in.get("/")

    assert response.status_code == 200
    assert b"Customer Portal" in response.content
    assert b"Embedded API" in response.content
    assert b"Signed in as <strong>ops</strong>" in response.content


def test_the_home_page_explains_an_unreachable_api(signed_in, settings):
    settings.WORKOS_API_KEY = "sk_live_unreachable"
    settings.WORKOS_BASE_URL = "http://127.0.0.1:9"
    settings.WORKOS_MAX_RETRIES = 0

    response = signed_in.get("/")

    assert response.status_code == 502
    assert b"could not be reached" in response.content
    assert b"sk_live_unreachable" not in response.content
    assert b"WorkOS production" in response.content


def test_sign_in_and_sign_out(client):
    get_user_model().objects.create_user("ops", password="correct-horse-battery")

    response = client.post("/login/", {"username": "ops", "password": "correct-horse-battery"})
    assert response.status_code == 302 and response["Location"] == "/"

    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302
