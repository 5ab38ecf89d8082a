"""Search's counts and pages, read from the indexes the way the list reads them, against
a plain reading of what a search means: every word of the query begins one of an
application's terms (or its client or application ID), within the filters, in the list's
order. Many applications share words, and many have several terms that begin with the
same word, which the counts must count once."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.emulator.ids import new_id
from dashboard.search import index, selectors
from dashboard.search.models import IndexedApplication

pytestmark = pytest.mark.django_db

# Words beyond ASCII too: a search's ranges of code points must hold them ("Øre" and "日本"
# keep letters that folding does not turn into ASCII).
WORDS = ["Bill", "Billing", "Billboard", "Orbit", "Opal", "Équipe", "Equinox", "Zed", "Øre", "日本"]
ORGANIZATIONS = [("org_A", "Billing Partners"), ("org_B", "Orbit Labs"), ("", "")]


def indexed(count: int, seed: int = 3, names: list[str] = WORDS) -> list[IndexedApplication]:
    rng = random.Random(seed)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for number in range(count):
        name = " ".join(rng.sample(names, rng.randrange(1, min(4, len(names) + 1))))
        organization_id, organization_name = rng.choice(ORGANIZATIONS)
        created = now + timedelta(minutes=rng.randrange(10_000))
        host = f"{rng.choice(WORDS).lower()}-{number}.example"
        rows.append(
            IndexedApplication(
                environment="sandbox",
                application_id=new_id("conn_app_", at=created)[0],
                client_id=new_id("client_", at=created)[0],
                name=name,
                folded_name=index.fold(name),
                application_type=rng.choice(["oauth", "m2m"]),
                was_dynamically_registered=rng.random() < 0.2,
                organization_id=organization_id,
                organization_name=organization_name,
                redirect_uris=[f"https://{host}/callback"] if rng.random() < 0.7 else [],
                scopes=rng.sample(["openid", "orders:read", "billing:write"], rng.randrange(3)),
                created_at=created,
                indexed_at=now,
            )
        )
    # The database gives the keys back.
    rows = IndexedApplication.objects.bulk_create(rows)
    index.write_terms((row.row_id, row) for row in rows)
    # Another environment's applications are never counted.
    other = IndexedApplication.objects.create(
        **{
            field.attname: getattr(rows[0], field.attname)
            for field in IndexedApplication._meta.concrete_fields
            if field.attname != "row_id"
        }
        | {"environment": "production"}
    )
    index.write_terms([(other.row_id, other)])
    return rows


def finds(row: IndexedApplication, word: str) -> bool:
    for prefix, column in selectors.ID_COLUMNS.items():
        if word.startswith(prefix):
            wanted = prefix + word.removeprefix(prefix).upper()
            return getattr(row, column).startswith(wanted)
    return any(term.startswith(word) for term in index.terms_of(row))


def expected(rows, *, q="", application_type="", organization_id="", registration="both"):
    found = [
        row
        for row in rows
        if all(finds(row, word) for word in index.words(q))
        and (not application_type or row.application_type == application_type)
        and (not organization_id or row.organization_id == organization_id)
    ]
    shown = [
        row
        for row in found
        if registration == "both" or row.was_dynamically_registered == (registration == "dynamic")
    ]
    return found, shown


ORDERS = {
    "name": lambda row: (row.folded_name, row.application_id),
    "created": lambda row: (row.created_at, row.application_id),
}


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"q": "bill"},
        {"q": "b"},
        {"q": "billing bill"},
        {"q": "équipe orbit"},
        {"q": "o z"},
        {"q": "ø"},
        {"q": "日"},
        {"q": "日本 bill"},
        {"q": "equi", "application_type": "m2m"},
        {"q": "billing", "organization_id": "org_A"},
        {"q": "orbit", "registration": "authenticated"},
        {"q": "opal", "registration": "dynamic"},
        {"q": "https://bill"},
        {"q": "zed.example"},
        {"q": "openid billing:write"},
        {"q": "client_"},
        {"q": "client_ nothing"},
        {"application_type": "oauth", "registration": "authenticated"},
        {"organization_id": "org_B"},
    ],
)
@pytest.mark.parametrize("limits", ["as configured", "small"])
def test_every_page_and_count_is_what_the_query_means(filters, limits, monkeypatch):
    if limits == "small":
        small_limits(monkeypatch)
    assert_search_reads(indexed(300), filters)


def small_limits(monkeypatch) -> None:
    """Rare words become common and counts stop early: the other ways of reading."""
    monkeypatch.setattr(selectors, "RARE", 4)
    monkeypatch.setattr(selectors, "COUNT_LIMIT", 40)
    monkeypatch.setattr(selectors, "HIDDEN_LIMIT", 3)


@pytest.mark.parametrize("column", ["client_id", "application_id"])
@pytest.mark.parametrize("limits", ["as configured", "small"])
def test_the_beginning_of_an_id_narrows_the_words_matches(column, limits, monkeypatch):
    if limits == "small":
        small_limits(monkeypatch)
    rows = indexed(300)
    # A beginning that some of the IDs share, not all: the digits of their creation times.
    ids = [getattr(row, column) for row in rows]
    beginning = next(prefix for prefix in selectors.ID_COLUMNS if ids[0].startswith(prefix))
    while sum(found.startswith(beginning) for found in ids) > len(ids) * 0.8:
        beginning = ids[0][: len(beginning) + 1]
    assert sum(found.startswith(beginning) for found in ids) > len(ids) * 0.1
    assert_search_reads(rows, {"q": f"bill {beginning.lower()}"})
    assert_search_reads(rows, {"q": f"o {beginning}", "organization_id": "org_B"})
    assert_search_reads(rows, {"q": f"billing bill {beginning}", "registration": "dynamic"})


def assert_search_reads(rows: list[IndexedApplication], filters: dict) -> None:
    """Every page of the search, in every order, and its counts are what `filters` mean."""
    found, shown = expected(rows, **filters)
    registration = filters.get("registration", "both")
    limit = selectors.COUNT_LIMIT
    # Without words or an organization the environment's totals tell how many match.
    searched = [word for word in index.words(filters.get("q", "")) if word != "client_"]
    if not searched and "organization_id" not in filters:
        limit = len(rows)
    assert selectors.count("sandbox", **filters) == min(len(shown), limit + 1)
    for sort in ["name", "-name", "created", "-created"]:
        ordered = sorted(shown, key=ORDERS[sort.lstrip("-")], reverse=sort.startswith("-"))
        # Five a page: the first pages are read by walking the list's order, the later
        # ones of a rare match by reading every match and sorting them.
        pages = max(1, -(-min(len(ordered), limit) // 5))
        for page in range(1, pages + 1):
            results = selectors.search("sandbox", sort=sort, page=page, per_page=5, **filters)
            assert (results.total, results.more) == (min(len(shown), limit), len(shown) > limit)
            if registration == "authenticated":
                hidden, cap = len(found) - len(shown), selectors.HIDDEN_LIMIT + 1
                assert min(results.hidden_dynamic, cap) == min(hidden, cap)
            wanted = ordered[(page - 1) * 5 : page * 5]
            assert [row.row_id for row in results.rows] == [row.row_id for row in wanted], page
        # A page past the last the count reaches shows the last one.
        beyond = selectors.search("sandbox", sort=sort, page=pages + 1, per_page=5, **filters)
        assert beyond.page == pages
    if filters.keys() <= {"q", "registration"}:
        # What the go-to box asks: any of the matches, whatever their registration.
        first = selectors.first_matches("sandbox", filters.get("q", ""), len(rows) + 1)
        assert sorted(first) == sorted(row.application_id for row in found)


@pytest.mark.parametrize("how", ["read", "walk", "walk keys"])
@pytest.mark.parametrize(
    "filters",
    [{"q": "bill"}, {"q": "orbit opal", "registration": "authenticated"}, {"q": "o z"}],
)
def test_each_way_of_reading_a_page_reads_the_same_page(how, filters):
    rows = indexed(120)
    _, shown = expected(rows, **filters)
    assert len(shown) > 10
    query = selectors.Query.of("sandbox", filters["q"], filters.get("application_type", ""), "")
    registration = filters.get("registration", "both")
    for sort in ["name", "-created"]:
        ordered = sorted(shown, key=ORDERS[sort.lstrip("-")], reverse=sort.startswith("-"))
        for start in [0, 7, len(ordered) - 3]:
            page = query.page(registration, sort, start, 7, how=how)
            assert page == ordered[start : start + 7], (sort, start)


def test_a_client_id_prefix_counts_what_it_begins():
    rows = indexed(60)
    target = rows[17]
    prefix = target.client_id[: len("client_") + 8].lower()
    _, shown = expected(rows, q=prefix)
    assert target in shown
    assert selectors.search("sandbox", q=prefix, per_page=100).total == len(shown)
    assert selectors.search("sandbox", q=target.client_id.lower()).rows == [target]


@pytest.mark.parametrize(
    "q",
    # No code point follows the last one; the next one after U+D7FF is U+E000 (surrogates
    # between them are no text).
    ["zed\U0010ffff", "zed\U0010ffff bill", "zed\ud7ff", "zed\ud7ff zed\U0010ffff", "zed"],
)
def test_a_word_that_ends_in_the_last_code_points_finds_what_it_begins(q):
    names = ["Zed", "Zed\U0010ffff", "Zed\U0010ffffA", "Zed\ud7ff", "Zed\ud7ffB", "Zee", "Bill"]
    rows = indexed(60, names=names)
    _, shown = expected(rows, q=q)
    assert shown
    assert selectors.count("sandbox", q=q) == len(shown)
    results = selectors.search("sandbox", q=q, sort="created", per_page=100)
    assert results.rows == sorted(shown, key=ORDERS["created"])


def test_the_results_carry_the_environments_totals():
    rows = indexed(50)
    results = selectors.search("sandbox", q="bill")
    by_type = {kind: sum(row.application_type == kind for row in rows) for kind in ["oauth", "m2m"]}
    assert results.totals.by_type == by_type
    assert selectors.totals("sandbox").by_type == by_type


def test_the_totals_count_the_types_a_newer_api_has_beside_oauth_and_m2m():
    rows = indexed(40)
    # Below, between and above the two types the dashboard knows.
    for row, kind in zip(rows, ["agent", "m2m_v2", "saml", "saml"], strict=False):
        IndexedApplication.objects.filter(row_id=row.row_id).update(application_type=kind)
        row.application_type = kind

    totals = selectors.totals("sandbox")

    by_type = {}
    for row in rows:
        by_type[row.application_type] = by_type.get(row.application_type, 0) + 1
    assert totals.by_type == by_type
    assert totals.all == 40
    assert totals.of(application_type="saml") == 2
    dynamic = sum(row.was_dynamically_registered for row in rows if row.application_type == "saml")
    assert totals.of(application_type="saml", registration="dynamic") == dynamic
