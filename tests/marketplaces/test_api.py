"""The directory through the HTTP API, as a newcomer's script, a marketplace's systems and an operator call it:
the public list with its filters, a profile with the provenance of each field, the comparison, claims beside
measured figures; creating and changing profiles with provenance; the history; refusals naming the field, and
never a server error."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipbridge.accounts.models import Organisation, OrganisationKind
from ipbridge.accounts.selectors import actor_for_system
from ipbridge.marketplaces import services
from ipbridge.marketplaces.fields import NAMES
from ipbridge.marketplaces.models import MarketplaceProfile, ProfileVersion
from ipbridge.notices import intake
from tests.factories import OrganisationFactory, api_key, member, verified_client
from tests.marketplaces.factories import POLICY, curated, decided_case, own
from tests.notices.factories import World, world

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date().isoformat()


def keyed(organisation: Organisation, scopes: tuple[str, ...] = ("marketplaces:read", "marketplaces:write")) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(organisation, list(scopes))}")


def put(client: Client, slug: str, body: dict[str, Any]) -> Any:
    return client.put(f"/api/v1/marketplaces/{slug}", body, content_type="application/json")


def post(client: Client, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/marketplaces", body, content_type="application/json")


def directory() -> tuple[World, Organisation]:
    """MegaMart on IPBridge with its own profile, answering within 24 hours; two curated profiles."""
    w = world()
    ops = OrganisationFactory(kind=OrganisationKind.OPERATOR, name="IPBridge Operations")
    own(w.megamart, countries=["DE"], languages=["de", "en"], categories=["general"], live_streaming=False)
    intake.intake_update(actor=actor_for_system(w.megamart), slug="megamart", response_hours=24)
    curated(
        ops,
        slug="bazaar-world",
        name="Bazaar World",
        countries=["CN"],
        languages=["zh"],
        categories=["fashion"],
        live_streaming=True,
        channels=[{"kind": "email", "address": "ip@bazaar.example"}],
        ip_policy_summary="Counterfeit handbags are taken down within a day.",
    )
    curated(ops, slug="craft-corner", name="Craft Corner", countries=["GB"], languages=["en"], categories=["handmade"])
    return w, ops


def slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["items"]]


# The public list ---------------------------------------------------------------------------------------------------


def test_anyone_lists_the_directory_by_name() -> None:
    directory()

    response = Client().get("/api/v1/marketplaces")

    assert slugs(response) == ["bazaar-world", "craft-corner", "megamart"]
    assert response.json()["count"] == 3
    assert response.json()["items"][0] == {
        "slug": "bazaar-world",
        "name": "Bazaar World",
        "website": "",
        "countries": ["CN"],
        "languages": ["zh"],
        "categories": ["fashion"],
        "live_streaming": True,
        "size": "",
        "channels": ["email"],
        "on_ipbridge": False,
        "claimed_response_hours": None,
        "measured": None,
    }
    assert response.json()["items"][2]["claimed_response_hours"] == 24
    assert response.json()["items"][2]["channels"] == ["ipbridge"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=cn", ["bazaar-world"]),
        ("language=en", ["craft-corner", "megamart"]),
        ("category=handmade", ["craft-corner"]),
        ("live_streaming=true", ["bazaar-world"]),
        ("live_streaming=false", ["megamart"]),
        ("channel=email", ["bazaar-world"]),
        ("channel=ipbridge", ["megamart"]),
        ("q=handbags", ["bazaar-world"]),
        ("q=CRAFT", ["craft-corner"]),
        ("q=nothing+like+it", []),
        ("country=DE&language=de&channel=ipbridge", ["megamart"]),
        ("country=DE&category=fashion", []),
        ("limit=1&offset=1", ["craft-corner"]),
    ],
)
def test_the_list_filters(query: str, expected: list[str]) -> None:
    directory()

    assert slugs(Client().get(f"/api/v1/marketplaces?{query}")) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("country=XX", "country"),
        ("language=klingon", "language"),
        ("category=weapons", "category"),
        ("channel=fax", "channel"),
        ("live_streaming=perhaps", "live_streaming"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_a_bad_filter_is_refused_naming_it(query: str, field: str) -> None:
    directory()

    response = Client().get(f"/api/v1/marketplaces?{query}")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error.get("field") == field or [f["field"] for f in error.get("fields", [])] == [field]


def test_the_list_reads_a_page_in_a_fixed_number_of_queries() -> None:
    _w, ops = directory()
    client = Client()
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/marketplaces")
    for n in range(10):
        curated(ops, slug=f"extra-{n}", name=f"Extra {n}")

    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/marketplaces")

    assert response.json()["count"] == 13
    assert len(many) == len(few)


# A profile, claims and measured figures -----------------------------------------------------------------------------


def test_a_profile_tells_each_fields_source_and_review_date() -> None:
    directory()

    body = Client().get("/api/v1/marketplaces/bazaar-world").json()

    assert (body["slug"], body["name"], body["on_ipbridge"], body["version"]) == (
        "bazaar-world",
        "Bazaar World",
        False,
        1,
    )
    assert set(body["fields"]) == set(NAMES)
    countries = body["fields"]["countries"]
    assert countries["value"] == ["CN"]
    assert countries["provenance"]["source_url"] == POLICY
    assert countries["provenance"]["stated_by_marketplace"] is False
    assert countries["provenance"]["reviewed_on"] == TODAY
    assert body["fields"]["appeal_procedure"] == {"value": "", "provenance": None}
    assert body["fields"]["channels"]["value"] == [
        {"kind": "email", "address": "ip@bazaar.example", "notes": "", "requirements": {}}
    ]
    assert (body["claimed"], body["measured"]) == (None, None)


def test_a_marketplace_on_ipbridge_shows_its_claim_beside_its_measured_figures() -> None:
    w, _ops = directory()
    now = timezone.now()
    for n, hours in enumerate((1, 2, 3, 4, 30)):
        decided_case(w, delivered=now - timedelta(days=n + 1), hours=hours, measures=("delete", "" if n else "block"))
    services.figures_refresh(now=now)

    body = Client().get("/api/v1/marketplaces/megamart").json()

    assert body["claimed"] == {"response_hours": 24, "default": False, "channels": ["inbox", "api"]}
    measured = body["measured"]
    assert {k: v for k, v in measured.items() if not k.startswith("window") and k != "computed_at"} == {
        "minimum_cases": 5,
        "enough_cases": True,
        "cases_decided": 5,
        "median_hours": 3.0,
        "p90_hours": 30.0,
        "items_decided": 10,
        "items_acted": 6,
        "share_acted_percent": 60.0,
        "cases_forwarded": 0,
        "cases_counter_noticed": 0,
        "counter_notice_rate_percent": None,
    }
    assert body["fields"]["name"]["provenance"]["stated_by_marketplace"] is True


def test_below_the_minimum_only_the_count_is_told() -> None:
    w, _ops = directory()
    now = timezone.now()
    decided_case(w, delivered=now - timedelta(days=1), hours=3)
    services.figures_refresh(now=now)

    measured = Client().get("/api/v1/marketplaces/megamart").json()["measured"]

    assert (measured["enough_cases"], measured["cases_decided"], measured["median_hours"]) == (False, 1, None)
    assert measured["share_acted_percent"] is None


def test_an_unknown_marketplace_is_not_found() -> None:
    response = Client().get("/api/v1/marketplaces/nowhere")

    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


# Comparison ------------------------------------------------------------------------------------------------------


def test_compare_gives_the_chosen_profiles_in_order_each_once() -> None:
    directory()

    response = Client().get("/api/v1/marketplaces/compare?m=megamart&m=bazaar-world&m=megamart&m=craft-corner")

    assert response.status_code == 200
    assert [p["slug"] for p in response.json()["marketplaces"]] == ["megamart", "bazaar-world", "craft-corner"]
    assert response.json()["marketplaces"][0]["claimed"]["response_hours"] == 24


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "invalid_input"),
        ("?m=megamart", "compare_count"),
        ("?m=megamart&m=megamart", "compare_count"),
        ("?m=a&m=b&m=c&m=d&m=e", "compare_count"),
        ("?m=megamart&m=nowhere", "unknown_marketplace"),
    ],
)
def test_compare_refuses_fewer_than_two_more_than_four_or_unknown_ones(query: str, code: str) -> None:
    directory()

    response = Client().get(f"/api/v1/marketplaces/compare{query}")

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == code
    assert error.get("field", "m") == "m"


# Changing a profile ----------------------------------------------------------------------------------------------


def test_the_marketplace_changes_its_profile_in_its_own_word() -> None:
    w, _ops = directory()

    response = put(
        keyed(w.megamart),
        "megamart",
        {
            "fields": {
                "countries": {"value": ["DE", "AT"]},
                "ip_policy_url": {"value": "https://megamart.example/ip", "source_url": "https://megamart.example/ip"},
            },
            "expected_version": 1,
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2
    assert body["fields"]["countries"]["value"] == ["DE", "AT"]
    assert body["fields"]["countries"]["provenance"]["stated_by_marketplace"] is True
    assert body["fields"]["countries"]["provenance"]["source_url"] == ""
    assert body["fields"]["ip_policy_url"]["provenance"]["source_url"] == "https://megamart.example/ip"


def test_an_operator_changes_a_curated_profile_with_a_source_and_a_review_date() -> None:
    _w, ops = directory()

    response = put(
        keyed(ops),
        "bazaar-world",
        {
            "fields": {
                "size": {"value": "large", "source_url": "https://regulator.example/list", "reviewed_on": "2026-02-01"}
            }
        },
    )

    assert response.status_code == 200, response.content
    assert response.json()["fields"]["size"] == {
        "value": "large",
        "provenance": {
            "source_url": "https://regulator.example/list",
            "stated_by_marketplace": False,
            "reviewed_on": "2026-02-01",
            "changed_at": response.json()["fields"]["size"]["provenance"]["changed_at"],
        },
    }


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"fields": {"countries": {"value": ["CN", "JP"]}}}, 422, "countries.source_url"),
        ({"fields": {"countries": {"value": ["ZZ"], "source_url": POLICY}}}, 422, "countries"),
        ({"fields": {"countries": {"value": ["CN"], "source_url": "not a url"}}}, 422, "countries.source_url"),
        (
            {"fields": {"countries": {"value": ["CN"], "source_url": POLICY, "reviewed_on": "2026-02-31"}}},
            422,
            "fields.countries.reviewed_on",
        ),
        (
            {"fields": {"channels": {"value": [{"kind": "email", "address": "x"}], "source_url": POLICY}}},
            422,
            "channels.0.address",
        ),
        ({"fields": {"shoe_size": {"value": 42, "source_url": POLICY}}}, 422, "shoe_size"),
        ({"fields": {}}, 422, "fields"),
        ({"fields": {"name": {"value": "B", "source_url": POLICY}}, "expected_version": 7}, 409, "expected_version"),
    ],
)
def test_a_bad_change_is_refused_naming_the_field_and_nothing_changes(
    body: dict[str, Any], status: int, field: str
) -> None:
    _w, ops = directory()
    before = list(MarketplaceProfile.objects.values().order_by("pk"))

    response = put(keyed(ops), "bazaar-world", body)

    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error.get("field") == field or field in [f["field"] for f in error.get("fields", [])]
    assert list(MarketplaceProfile.objects.values().order_by("pk")) == before
    assert ProfileVersion.objects.count() == 3


def test_an_operator_creates_a_profile() -> None:
    _w, ops = directory()

    response = post(
        keyed(ops),
        {
            "slug": "souk-online",
            "fields": {
                "name": {"value": "Souk Online", "source_url": "https://souk.example"},
                "countries": {"value": "MA, TN", "source_url": "https://souk.example/about"},
            },
        },
    )

    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "souk-online"
    assert response.json()["fields"]["countries"]["value"] == ["MA", "TN"]
    assert response.json()["version"] == 1


def test_a_marketplace_creates_its_own_profile_once() -> None:
    w, _ops = directory()

    first = post(keyed(w.bazaar), {"fields": {"name": {"value": "Little Bazaar"}}})
    second = post(keyed(w.bazaar), {"fields": {"name": {"value": "Little Bazaar"}}})

    assert first.status_code == 201, first.content
    assert first.json()["slug"] == "little-bazaar"
    assert first.json()["on_ipbridge"] is True
    assert (second.status_code, second.json()["error"]["code"]) == (409, "profile_exists")


# History ---------------------------------------------------------------------------------------------------------


def test_the_history_names_people_only_to_the_marketplace_itself_and_operators() -> None:
    w, ops = directory()
    person = member(kind=OrganisationKind.MARKETPLACE)
    person.organisation = w.megamart
    person.save()
    person.user.active_organisation = w.megamart
    person.user.save()
    response = verified_client(person.user).put(
        "/api/v1/marketplaces/megamart",
        {"fields": {"languages": {"value": ["de"]}}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    outsider = OrganisationFactory(kind=OrganisationKind.RIGHT_HOLDER)

    for_megamart = keyed(w.megamart, ("marketplaces:read",)).get("/api/v1/marketplaces/megamart/history").json()
    for_operator = keyed(ops, ("marketplaces:read",)).get("/api/v1/marketplaces/megamart/history").json()
    for_outsider = keyed(outsider, ("marketplaces:read",)).get("/api/v1/marketplaces/megamart/history").json()

    assert [v["number"] for v in for_megamart] == [2, 1]
    assert for_megamart[0]["actor"] == person.user.email
    assert for_operator[0]["actor"] == person.user.email
    assert for_outsider[0]["actor"] == ""
    assert for_outsider[0]["organisation"] == "MegaMart"
    assert for_outsider[0]["changes"]["languages"]["before"] == ["de", "en"]
    assert for_outsider[0]["changes"]["languages"]["after"] == ["de"]


# Generated input -------------------------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from([*NAMES, "unknown", ""]),
    value=JSON,
    source=st.sampled_from(["", POLICY, "nope", "https://x.example/" + "a" * 600]),
    reviewed=st.sampled_from([None, "2026-01-01", "2999-01-01", "yesterday", 5]),
)
def test_generated_changes_are_answered_never_with_a_server_error(
    name: str, value: Any, source: str, reviewed: Any
) -> None:
    ops = Organisation.objects.filter(kind=OrganisationKind.OPERATOR).first() or OrganisationFactory(
        kind=OrganisationKind.OPERATOR
    )
    if not MarketplaceProfile.objects.filter(slug="fuzz").exists():
        curated(ops, slug="fuzz")
    field: dict[str, Any] = {"value": value, "source_url": source}
    if reviewed is not None:
        field["reviewed_on"] = reviewed

    response = put(keyed(ops), "fuzz", {"fields": {name: field}})

    assert response.status_code in (200, 400, 422), response.content
    if response.status_code == 400:  # a NUL character, refused before the API sees it
        assert response.json()["error"]["code"] == "invalid_characters"
    if response.status_code == 422:
        assert response.json()["error"]["code"]
