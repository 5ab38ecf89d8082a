"""Redirect URIs, origins, names and descriptions that would read as something else: raw
non-ASCII (refused with the encoded form to use), invisible and direction-changing
characters. One rule each, shared by the dashboard's form and the embedded API."""

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard import rules
from dashboard.emulator.models import Application
from dashboard.uris import UriRejected, validate_cors_origin, validate_redirect_uri
from tests.support import oauth_form


def refusal(uri: str, check=validate_redirect_uri) -> UriRejected | None:
    try:
        check(uri)
    except UriRejected as rejected:
        return rejected
    return None


# Each spoofs what an admin reads: nothing shows where it stands, or the text around it
# reads in another order.
INVISIBLE = {
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u200d": "ZERO WIDTH JOINER",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2060": "WORD JOINER",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
    "\u00ad": "SOFT HYPHEN",
    "\u061c": "ARABIC LETTER MARK",
    "\x9b": "",  # a C1 control, which has no name
    "\U000e0041": "TAG LATIN CAPITAL LETTER A",
}


@pytest.mark.parametrize("char", INVISIBLE)
@pytest.mark.parametrize(
    "template",
    [
        "https://app{}.example.com/cb",
        "https://app.example.com/c{}b",
        "https://app.example.com/cb?next={}x",
        "http://127.0.0.1:8080/{}cb",
        "com.example.app:/cb{}",
    ],
)
def test_an_invisible_character_is_refused_by_name_and_position(char, template):
    uri = template.format(char)

    rejected = refusal(uri)

    assert rejected is not None and rejected.code == "invisible_character"
    assert f"U+{ord(char):04X} {INVISIBLE[char]}".rstrip() in rejected.message
    assert f"(character {uri.index(char) + 1})" in rejected.message
    assert char not in rejected.message


@pytest.mark.parametrize("char", INVISIBLE)
def test_an_origin_with_an_invisible_character_is_refused(char):
    rejected = refusal(f"https://app{char}.example.com", validate_cors_origin)

    assert rejected is not None and rejected.code == "invisible_character"


@pytest.mark.parametrize(
    ("uri", "encoded"),
    [
        ("https://bücher.example/cb", "https://xn--bcher-kva.example/cb"),
        ("https://BÜCHER.example/cb", "https://xn--bcher-kva.example/cb"),
        ("https://straße.example/cb", "https://xn--strae-oqa.example/cb"),
        ("https://пример.example/cb", "https://xn--e1afmkfd.example/cb"),
        ("https://app.example.com/café", "https://app.example.com/caf%C3%A9"),
        ("https://app.example.com/cb?next=ü", "https://app.example.com/cb?next=%C3%BC"),
        ("https://bücher.example:8443/über", "https://xn--bcher-kva.example:8443/%C3%BCber"),
        ("https://*.bücher.example/cb", "https://*.xn--bcher-kva.example/cb"),
        ("https://bücher.example?next=ü", "https://xn--bcher-kva.example?next=%C3%BC"),
        ("http://127.0.0.1:*/café", "http://127.0.0.1:*/caf%C3%A9"),
        ("com.example.app:/rückruf", "com.example.app:/r%C3%BCckruf"),
    ],
)
def test_raw_non_ascii_is_refused_with_the_encoded_form_to_use(uri, encoded):
    rejected = refusal(uri)

    assert rejected is not None and rejected.code == "not_ascii"
    assert f"“{encoded}”" in rejected.message
    # The form it suggests passes, unless another rule refuses it for its own reason.
    assert refusal(encoded) is None or refusal(encoded).code != "not_ascii"


def test_the_suggested_origin_is_the_punycode_one():
    rejected = refusal("https://bücher.example", validate_cors_origin)

    assert rejected.code == "not_ascii"
    assert "“https://xn--bcher-kva.example”" in rejected.message
    assert refusal("https://xn--bcher-kva.example", validate_cors_origin) is None


def test_a_host_that_is_no_internationalized_domain_name_has_no_suggestion():
    rejected = refusal("https://☃☃.example/cb")

    assert rejected.code == "not_ascii"
    assert "cannot be written in punycode" in rejected.message


@pytest.mark.parametrize(
    ("uri", "code", "words"),
    [
        ("https://app.example.com/<cb>", "invalid_character", "“%3C”"),
        ('https://app.example.com/"cb"', "invalid_character", "“%22”"),
        ("https://app.example.com/c{b}", "invalid_character", "“%7B”"),
        ("https://app.example.com/c|b", "invalid_character", "“%7C”"),
        ("https://app.example.com/c^b", "invalid_character", "“%5E”"),
        ("https://app.example.com/c`b", "invalid_character", "“%60”"),
        ("https://app.example.com/100%", "invalid_percent_encoding", "“%25”"),
        ("https://app.example.com/%zz", "invalid_percent_encoding", "“%25”"),
        ("https://app.example.com/%4", "invalid_percent_encoding", "“%25”"),
    ],
)
def test_ascii_that_rfc_3986_does_not_allow_raw_is_refused(uri, code, words):
    rejected = refusal(uri)

    assert rejected is not None and rejected.code == code
    assert words in rejected.message


@pytest.mark.parametrize(
    "uri",
    [
        "https://xn--bcher-kva.example/cb",
        "https://app.example.com/caf%C3%A9?next=%2Fhome&x=a~b",
        "https://app.example.com/cb;v=1?a=(b)&c=$d,e!f'g",
        "https://app.example.com/%E2%80%AE",
    ],
)
def test_encoded_forms_are_accepted(uri):
    assert refusal(uri) is None


@given(uri=st.text(max_size=40).map(lambda text: f"https://app.example.com/{text}"))
def test_whatever_is_accepted_is_ascii_and_shows_every_character(uri):
    if refusal(uri) is None:
        assert uri.isascii()
        assert not any(rules.is_invisible(char) or char.isspace() for char in uri)


# --- Names and descriptions ----------------------------------------------------------------


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069", "\x07", "\x9b"])
@pytest.mark.parametrize("multiline", [False, True])
def test_names_and_descriptions_refuse_controls_and_direction_overrides(char, multiline):
    with pytest.raises(rules.RuleBroken) as broken:
        rules.validate_text(f"Portal{char}lato", multiline=multiline)

    assert broken.value.code == "invalid_character"
    assert char not in broken.value.message


@pytest.mark.parametrize(
    "text",
    [
        "شركة\u200fAcme",  # a right-to-left mark between scripts
        "Familie \U0001f468\u200d\U0001f469\u200d\U0001f467",  # a ZWJ emoji sequence
        "می\u200cخواهم",  # a zero-width non-joiner that Persian spells with
        "Hyphen\u00adated",
    ],
)
def test_names_keep_the_invisible_characters_that_scripts_need(text):
    rules.validate_text(text)


def test_a_description_keeps_its_line_breaks_and_a_name_does_not():
    rules.validate_text("One\nTwo\r\n\tThree", multiline=True)
    with pytest.raises(rules.RuleBroken):
        rules.validate_text("One\nTwo")


def test_visible_writes_out_what_would_spoof_a_message():
    assert rules.visible("https://a\u202eb\u200b.example") == "https://a[U+202E]b[U+200B].example"
    assert unicodedata.name("\u202e") in rules.character_name("\u202e")


# --- One rule for the API and the form ------------------------------------------------------

OAUTH = {"name": "Portal", "application_type": "oauth", "is_first_party": True}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("redirect_uris", [{"uri": "https://app\u202e.example.com/cb"}], "invisible_character"),
        ("redirect_uris", [{"uri": "https://bücher.example/cb"}], "not_ascii"),
        ("cors_origins", ["https://bücher.example"], "not_ascii"),
        ("cors_origins", ["https://app\u200b.example.com"], "invisible_character"),
        ("name", "Portal\u202elatoP", "invalid_character"),
        ("description", "Signs in\u2066 users", "invalid_character"),
    ],
)
def test_the_embedded_api_refuses_with_the_rules_words_and_stores_nothing(api, field, value, code):
    response = api.post("connect/applications", OAUTH | {field: value})

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["code"] == code
    assert error["field"].startswith(field)
    if field in ("redirect_uris", "cors_origins"):
        uri = value[0]["uri"] if field == "redirect_uris" else value[0]
        check = validate_redirect_uri if field == "redirect_uris" else validate_cors_origin
        assert error["message"] == refusal(uri, check).message
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_an_update_is_refused_the_same_way(api):
    created = api.post("connect/applications", OAUTH).json()

    response = api.put(
        f"connect/applications/{created['id']}",
        {"redirect_uris": [{"uri": "https://app.example.com/\u200bcb", "default": True}]},
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "invisible_character"


@pytest.mark.django_db
def test_the_form_refuses_before_calling_the_api_with_the_same_words(browser):
    uri = "https://app.example.com/c\u202eb"
    response = browser.post(
        "/sandbox/applications/new",
        oauth_form(
            redirect_uri=["https://a.example.com/cb", uri],
            cors_origins="https://bücher.example\nhttps://b\u200b.example.com",
        ),
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(r'redirect-uri-1-error">[^<]*U\+202E RIGHT-TO-LEFT OVERRIDE', html)
    assert "“https://xn--bcher-kva.example”" in html
    # The refused origin is quoted with its invisible character written out.
    assert "https://b[U+200B].example.com: The origin contains an invisible character" in html
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_a_name_the_api_refuses_is_shown_next_to_the_field(browser):
    response = browser.post("/sandbox/applications/new", oauth_form(name="Portal\u202elatoP"))

    assert response.status_code == 422
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in response.content.decode()
    assert not Application.objects.exists()
