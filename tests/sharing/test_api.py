"""Shared information through the HTTP API, as a brand-protection system and a marketplace's systems call it:
guides written, published, pictured and read, authorised sellers listed, imported and checked, who read what, the
daily export; every refusal a JSON error naming the field, never a 5xx; Idempotency-Key on the creates."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipbridge.accounts.models import ApiKey, OrganisationKind
from ipbridge.sharing.models import AuthorisedSeller, Guide, GuideImage, ShareRead
from tests.factories import api_key, member
from tests.sharing.factories import (
    GUIDE_FIELDS,
    PDF,
    guide_published,
    guide_written,
    image_added,
    png,
    seller_listed,
    sharing_world,
)
from tests.strategies import bodies

pytestmark = pytest.mark.django_db

API = "/api/v1/sharing"
WRITE = ["sharing:read", "sharing:write"]


def keyed(organisation: Any, scopes: list[str] = WRITE) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_key(organisation, scopes)}")


def key_label(organisation: Any) -> str:
    return f"API key {ApiKey.objects.get(organisation=organisation).prefix}"


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)


def post(client: Client, path: str, data: dict[str, Any] | None = None, **headers: Any) -> Any:
    return client.post(path, data or {}, content_type="application/json", **headers)


def patch(client: Client, path: str, data: dict[str, Any]) -> Any:
    return client.patch(path, data, content_type="application/json")


def error(response: Any) -> tuple[int, str, str]:
    body = response.json()["error"]
    return response.status_code, body["code"], body.get("field", "")


# Guides ------------------------------------------------------------------------------------------------------------


def test_a_right_holders_system_writes_pictures_and_publishes_a_guide_that_a_marketplace_reads() -> None:
    w = sharing_world()
    holder = keyed(w.organisation)
    megamart = keyed(w.megamart.organisation, ["sharing:read"])

    created = post(holder, f"{API}/guides", {**GUIDE_FIELDS, "audience_marketplaces": ["megamart"]})
    guide_id = created.json()["id"]
    picture = holder.post(
        f"{API}/guides/{guide_id}/images",
        {"file": SimpleUploadedFile("x.txt", png(), content_type="text/plain"), "caption": "Genuine base"},
    )
    before = megamart.get(f"{API}/guides/{guide_id}")
    published = post(holder, f"{API}/guides/{guide_id}/publish")
    read = megamart.get(f"{API}/guides/{guide_id}")
    image = megamart.get(picture.json()["url"])

    assert created.status_code == 201
    assert created.json() | {"id": 0} == {
        "id": 0,
        "holder": {"slug": "aurora", "name": "Aurora Cosmetics S.A."},
        "title": GUIDE_FIELDS["title"],
        "status": "draft",
        "version": None,
        "published_at": None,
        "owned": True,
        "unpublished_changes": True,
        "shown_version": None,
        "audience": {"all_marketplaces": False, "marketplaces": ["megamart"], "authorities": False},
        "summary": GUIDE_FIELDS["summary"],
        "rights": [{"office": "EM", "number": "018234567", "mark": "AURORA", "kind": "trademark"}],
        "products": GUIDE_FIELDS["products"],
        "genuine_features": GUIDE_FIELDS["genuine_features"],
        "counterfeit_features": GUIDE_FIELDS["counterfeit_features"],
        "packaging": GUIDE_FIELDS["packaging"],
        "serial_schemes": GUIDE_FIELDS["serial_schemes"],
        "reference_prices": [
            {"product": "AURORA Rouge lipstick 3.5 g", "amount": 3900, "currency": "EUR", "display": "39.00 EUR"}
        ],
        "images": [],
    }
    assert picture.status_code == 201
    assert picture.json() | {"id": 0, "sha256": ""} == {
        "id": 0,
        "sha256": "",
        "caption": "Genuine base",
        "content_type": "image/png",
        "size": len(png()),
        "url": f"/api/v1/sharing/guides/{guide_id}/images/{picture.json()['id']}",
    }
    assert error(before) == (404, "not_found", "")
    assert (published.status_code, published.json()["status"], published.json()["version"]) == (200, "published", 1)
    body = read.json()
    assert (body["owned"], body["shown_version"], body["audience"], body["unpublished_changes"]) == (
        False,
        1,
        None,
        False,
    )
    assert [i["id"] for i in body["images"]] == [picture.json()["id"]]
    assert (image.status_code, image["Content-Type"], body_of(image)) == (200, "image/png", png())
    assert image["Cache-Control"] == "private, no-cache"
    assert list(ShareRead.objects.order_by("id").values_list("reader_label", "subject", "version")) == [
        (key_label(w.megamart.organisation), "guide", 1),
        (key_label(w.megamart.organisation), "guide_image", 1),
    ]


def test_a_change_after_publication_is_a_new_version_and_the_history_stays_readable() -> None:
    w = sharing_world()
    guide = guide_published(w.organisation)
    holder = keyed(w.organisation)
    megamart = keyed(w.megamart.organisation, ["sharing:read"])

    changed = patch(holder, f"{API}/guides/{guide.pk}", {"title": "Second edition", "products": ["Lipstick"]})
    still = megamart.get(f"{API}/guides/{guide.pk}").json()
    post(holder, f"{API}/guides/{guide.pk}/publish")
    versions = megamart.get(f"{API}/guides/{guide.pk}/versions").json()
    first = megamart.get(f"{API}/guides/{guide.pk}?version=1").json()
    newest = megamart.get(f"{API}/guides/{guide.pk}").json()

    assert (changed.json()["title"], changed.json()["unpublished_changes"], changed.json()["summary"]) == (
        "Second edition",
        True,
        GUIDE_FIELDS["summary"],
    )
    assert (still["title"], still["shown_version"]) == (GUIDE_FIELDS["title"], 1)
    assert [(v["number"], v["title"], v["published_by"]) for v in versions] == [
        (2, "Second edition", key_label(w.organisation)),
        (1, GUIDE_FIELDS["title"], "command line"),
    ]
    assert (first["title"], first["products"], first["shown_version"]) == (
        GUIDE_FIELDS["title"],
        GUIDE_FIELDS["products"],
        1,
    )
    assert (newest["title"], newest["products"], newest["version"]) == ("Second edition", ["Lipstick"], 2)


def test_lists_of_guides_for_the_holder_and_the_audience_in_a_constant_number_of_queries() -> None:
    w = sharing_world()
    guide_written(w.organisation, title="draft")
    published = guide_published(w.organisation, title="Published")
    patch(keyed(w.organisation), f"{API}/guides/{published.pk}", {"title": "Renamed, not yet published"})
    holder = keyed(w.organisation)
    megamart = keyed(w.megamart.organisation, ["sharing:read"])

    mine = holder.get(f"{API}/guides?scope=mine").json()
    seen = megamart.get(f"{API}/guides").json()
    addressed = megamart.get(f"{API}/guides?scope=addressed").json()
    with CaptureQueriesContext(connection) as few:
        megamart.get(f"{API}/guides")
    for n in range(4):
        guide_published(w.organisation, title=f"more {n}")
    with CaptureQueriesContext(connection) as many:
        more = megamart.get(f"{API}/guides").json()

    assert [g["title"] for g in mine["items"]] == ["Renamed, not yet published", "draft"]
    assert [(g["title"], g["owned"], g["unpublished_changes"]) for g in seen["items"]] == [("Published", False, False)]
    assert addressed == seen
    assert more["count"] == 5
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"rights": ["EM 018234567"]}, "title", "required"),
        ({"title": "t"}, "rights", "required"),
        ({**GUIDE_FIELDS, "rights": ["CN 1"]}, "rights", "right_not_held"),
        (
            {**GUIDE_FIELDS, "reference_prices": [{"product": "p", "amount": 1, "currency": "ABC"}]},
            "reference_prices.0.currency",
            "invalid_currency",
        ),
        (
            {**GUIDE_FIELDS, "reference_prices": [{"product": "p", "amount": -5, "currency": "EUR"}]},
            "reference_prices.0.amount",
            "invalid_input",
        ),
        (
            {**GUIDE_FIELDS, "reference_prices": [{"product": "p", "amount": "many", "currency": "EUR"}]},
            "reference_prices.0.amount",
            "invalid_input",
        ),
        ({**GUIDE_FIELDS, "title": "x" * 201}, "title", "invalid_input"),
        ({**GUIDE_FIELDS, "genuine_features": "not a list"}, "genuine_features", "invalid_input"),
        ({**GUIDE_FIELDS, "audience_marketplaces": ["nowhere"]}, "audience_marketplaces", "unknown_marketplace"),
    ],
)
def test_a_guide_refused_answers_422_naming_the_field(body: dict[str, Any], field: str, code: str) -> None:
    w = sharing_world()

    response = post(keyed(w.organisation), f"{API}/guides", body)

    status, got_code, got_field = error(response)
    if got_code == "invalid_input":
        got_field = response.json()["error"]["fields"][0]["field"]
    assert (status, got_code, got_field) == (422, code, field)
    assert Guide.objects.count() == 0


def test_publishing_refused_names_what_is_missing_and_a_published_guide_is_withdrawn_not_deleted() -> None:
    w = sharing_world()
    holder = keyed(w.organisation)
    draft = guide_written(w.organisation)
    published = guide_published(w.organisation)

    no_audience = post(holder, f"{API}/guides/{draft.pk}/publish")
    deleted_published = holder.delete(f"{API}/guides/{published.pk}")
    withdrawn = post(holder, f"{API}/guides/{published.pk}/withdraw")
    twice = post(holder, f"{API}/guides/{published.pk}/withdraw")
    deleted_draft = holder.delete(f"{API}/guides/{draft.pk}")
    gone = holder.get(f"{API}/guides/{draft.pk}")

    assert error(no_audience) == (422, "no_audience", "audience_marketplaces")
    assert error(deleted_published) == (409, "published_before", "")
    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "withdrawn")
    assert error(twice) == (409, "not_published", "")
    assert deleted_draft.status_code == 204
    assert error(gone) == (404, "not_found", "")


def test_a_file_that_is_not_a_picture_is_refused_naming_the_file() -> None:
    w = sharing_world()
    guide = guide_written(w.organisation)
    holder = keyed(w.organisation)

    pdf = holder.post(f"{API}/guides/{guide.pk}/images", {"file": SimpleUploadedFile("a.png", PDF, "image/png")})
    missing = holder.post(f"{API}/guides/{guide.pk}/images", {"caption": "x"})
    taken_out = holder.delete(f"{API}/guides/{guide.pk}/images/{image_added(guide).pk}")

    assert error(pdf) == (422, "unsupported_file_type", "file")
    assert (missing.status_code, missing.json()["error"]["fields"][0]["field"].split(".")[0]) == (422, "file")
    assert taken_out.status_code == 204
    assert GuideImage.objects.count() == 0


def test_an_idempotency_key_makes_a_retried_create_safe() -> None:
    w = sharing_world()
    holder = keyed(w.organisation)

    first = post(holder, f"{API}/guides", GUIDE_FIELDS, HTTP_IDEMPOTENCY_KEY="guide-1")
    again = post(holder, f"{API}/guides", GUIDE_FIELDS, HTTP_IDEMPOTENCY_KEY="guide-1")
    other = post(holder, f"{API}/guides", {**GUIDE_FIELDS, "title": "Other"}, HTTP_IDEMPOTENCY_KEY="guide-1")
    seller = {"brand": "AURORA", "marketplace": "megamart", "shop_id": "s-1", "relation": "own_shop"}
    listed = post(holder, f"{API}/authorised-sellers", seller, HTTP_IDEMPOTENCY_KEY="seller-1")
    relisted = post(holder, f"{API}/authorised-sellers", seller, HTTP_IDEMPOTENCY_KEY="seller-1")

    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert again.json() == first.json()
    assert error(other) == (422, "idempotency_key_reused", "Idempotency-Key")
    assert (listed.status_code, relisted.status_code, relisted.json()) == (201, 201, listed.json())
    assert (Guide.objects.count(), AuthorisedSeller.objects.count()) == (1, 1)


# Who read what -----------------------------------------------------------------------------------------------------


def test_the_right_holder_sees_each_read_and_the_counts_per_organisation() -> None:
    w = sharing_world()
    guide = guide_published(w.organisation, audience_all_marketplaces=True, audience_authorities=True)
    seller_listed(w.organisation, w.megamart.organisation)
    megamart = keyed(w.megamart.organisation, ["sharing:read"])
    authority = keyed(w.authority.organisation, ["sharing:read"])
    megamart.get(f"{API}/guides/{guide.pk}")
    megamart.get(f"{API}/authorised-sellers")
    authority.get(f"{API}/guides/{guide.pk}")
    holder = keyed(w.organisation)

    reads = holder.get(f"{API}/reads").json()
    only_guide = holder.get(f"{API}/reads?guide_id={guide.pk}&subject=guide").json()
    counts = holder.get(f"{API}/reads/by-organisation").json()
    bad = holder.get(f"{API}/reads?subject=everything")

    assert reads["count"] == 3
    assert [(r["reader"]["slug"], r["subject"], r["version"], r["by"]) for r in reads["items"]] == [
        ("market-supervision", "guide", 1, key_label(w.authority.organisation)),
        ("megamart", "seller_list", None, key_label(w.megamart.organisation)),
        ("megamart", "guide", 1, key_label(w.megamart.organisation)),
    ]
    assert [r["reader"]["slug"] for r in only_guide["items"]] == ["market-supervision", "megamart"]
    assert [(c["reader"]["slug"], c["reads"], c["guide_reads"], c["seller_reads"]) for c in counts] == [
        ("megamart", 2, 1, 1),
        ("market-supervision", 1, 1, 0),
    ]
    assert error(bad) == (422, "invalid_choice", "subject")
    assert megamart.get(f"{API}/reads").json()["count"] == 0


# Authorised sellers ----------------------------------------------------------------------------------------------


def test_a_right_holder_lists_changes_ends_and_removes_an_authorised_seller() -> None:
    w = sharing_world()
    holder = keyed(w.organisation)

    created = post(
        holder,
        f"{API}/authorised-sellers",
        {
            "right": "EM 018234567",
            "marketplace": "megamart",
            "shop_id": "mm-5120",
            "shop_name": "Glow Cosmetics Outlet",
            "relation": "reseller",
            "valid_from": "2024-11-01",
        },
    )
    seller_id = created.json()["id"]
    changed = patch(holder, f"{API}/authorised-sellers/{seller_id}", {"shop_name": "Glow Outlet", "valid_from": None})
    ended = post(holder, f"{API}/authorised-sellers/{seller_id}/end", {"on": "2026-10-31"})
    removed = holder.delete(f"{API}/authorised-sellers/{seller_id}")

    assert created.status_code == 201
    assert created.json() | {"id": 0, "updated_at": ""} == {
        "id": 0,
        "updated_at": "",
        "holder": {"slug": "aurora", "name": "Aurora Cosmetics S.A."},
        "brand": "AURORA",
        "right": "EM 018234567",
        "marketplace": "megamart",
        "marketplace_name": "MegaMart",
        "marketplace_url": "",
        "shop_id": "mm-5120",
        "shop_name": "Glow Cosmetics Outlet",
        "relation": "reseller",
        "valid_from": "2024-11-01",
        "valid_until": None,
        "state": "current",
    }
    assert (changed.json()["shop_name"], changed.json()["valid_from"], changed.json()["relation"]) == (
        "Glow Outlet",
        None,
        "reseller",
    )
    assert (ended.json()["valid_until"], ended.json()["state"]) == (
        "2026-10-31",
        "ended" if timezone.localdate() > date(2026, 10, 31) else "current",
    )
    assert removed.status_code == 204
    assert AuthorisedSeller.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "status", "field", "code"),
    [
        ({"marketplace": "megamart", "shop_id": "1", "relation": "own_shop"}, 422, "brand", "required"),
        (
            {"brand": "NIKE", "marketplace": "megamart", "shop_id": "1", "relation": "own_shop"},
            422,
            "brand",
            "brand_not_held",
        ),
        ({"brand": "AURORA", "shop_id": "1", "relation": "own_shop"}, 422, "marketplace", "required"),
        (
            {"brand": "AURORA", "marketplace": "megamart", "shop_id": "1", "relation": "cousin"},
            422,
            "relation",
            "invalid_choice",
        ),
        (
            {
                "brand": "AURORA",
                "marketplace": "megamart",
                "shop_id": "1",
                "relation": "own_shop",
                "valid_until": "31/10/2026",
            },
            422,
            "valid_until",
            "invalid_input",
        ),
        (
            {"brand": "AURORA", "marketplace": "megamart", "shop_id": "shop-1", "relation": "own_shop"},
            409,
            "",
            "already_listed",
        ),
    ],
)
def test_a_seller_refused_answers_naming_the_field(body: dict[str, Any], status: int, field: str, code: str) -> None:
    w = sharing_world()
    seller_listed(w.organisation, w.megamart.organisation)

    response = post(keyed(w.organisation), f"{API}/authorised-sellers", body)

    got_status, got_code, got_field = error(response)
    if got_code == "invalid_input":
        got_field = response.json()["error"]["fields"][0]["field"]
    assert (got_status, got_code, got_field) == (status, code, field)
    assert AuthorisedSeller.objects.count() == 1


def test_a_marketplace_lists_the_sellers_on_it_filtered() -> None:
    w = sharing_world()
    seller_listed(w.organisation, w.megamart.organisation, shop_id="a", valid_from=None, valid_until=date(2020, 1, 31))
    seller_listed(w.organisation, w.megamart.organisation, shop_id="b")
    seller_listed(w.organisation, w.bazaar.organisation, shop_id="c")
    megamart = keyed(w.megamart.organisation, ["sharing:read"])

    every = megamart.get(f"{API}/authorised-sellers").json()
    current = megamart.get(f"{API}/authorised-sellers?state=current").json()
    by_shop = megamart.get(f"{API}/authorised-sellers?shop_id=a&brand=aurora").json()
    bad = megamart.get(f"{API}/authorised-sellers?state=someday")

    assert [s["shop_id"] for s in every["items"]] == ["a", "b"]
    assert [s["shop_id"] for s in current["items"]] == ["b"]
    assert [(s["shop_id"], s["state"]) for s in by_shop["items"]] == [("a", "ended")]
    assert error(bad) == (422, "invalid_choice", "state")


def test_a_csv_import_writes_every_row_or_names_each_refused_one() -> None:
    w = sharing_world()
    holder = keyed(w.organisation)
    header = "brand,marketplace,shop_id,shop_name,relation,valid_from,valid_until\n"
    good = header + "AURORA,megamart,mm-1,Official,own_shop,2026-01-01,\nAURORA,little-bazaar,lb-1,,licensee,,\n"
    bad = header + "AURORA,megamart,mm-2,,own_shop,,\nAURORA,nowhere,x-1,,own_shop,,\nNIKE,megamart,mm-3,,own_shop,,\n"

    imported = holder.post(f"{API}/authorised-sellers/import", {"file": SimpleUploadedFile("s.csv", good.encode())})
    refused = holder.post(f"{API}/authorised-sellers/import", {"file": SimpleUploadedFile("s.csv", bad.encode())})

    assert (imported.status_code, imported.json()) == (200, {"created": 2, "updated": 0, "unchanged": 0})
    assert error(refused) == (422, "rows_refused", "file")
    assert refused.json()["error"]["details"] == {
        "refused": 2,
        "rows": [
            {
                "row": 3,
                "field": "marketplace",
                "code": "unknown_marketplace",
                "message": "No marketplace on IPBridge has this name.",
            },
            {
                "row": 4,
                "field": "brand",
                "code": "brand_not_held",
                "message": "“NIKE” is not a mark your organisation has proved it holds. Yours: AURORA.",
            },
        ],
    }
    assert sorted(AuthorisedSeller.objects.values_list("shop_id", flat=True)) == ["lb-1", "mm-1"]


def test_a_marketplace_checks_its_own_shop_and_an_operator_names_the_marketplace() -> None:
    w = sharing_world()
    seller_listed(
        w.organisation, w.megamart.organisation, shop_id="mm-5120", relation="reseller", valid_until=date(2026, 10, 31)
    )
    seller_listed(w.organisation, w.megamart.organisation, shop_id="mm-1001")
    megamart = keyed(w.megamart.organisation, ["sharing:read"])
    operator = keyed(member(OrganisationKind.OPERATOR).organisation, ["sharing:read"])

    ended = megamart.get(f"{API}/authorised-sellers/check?brand=AURORA&shop_id=mm-5120").json()
    current = megamart.get(f"{API}/authorised-sellers/check?brand=aurora&shop_id=mm-1001&marketplace=megamart").json()
    unknown = megamart.get(f"{API}/authorised-sellers/check?brand=AURORA&shop_id=nope").json()
    other = megamart.get(f"{API}/authorised-sellers/check?brand=AURORA&shop_id=mm-1001&marketplace=little-bazaar")
    missing = megamart.get(f"{API}/authorised-sellers/check?brand=AURORA")
    unnamed = operator.get(f"{API}/authorised-sellers/check?brand=AURORA&shop_id=mm-1001")
    by_operator = operator.get(
        f"{API}/authorised-sellers/check?brand=AURORA&shop_id=mm-1001&marketplace=megamart"
    ).json()

    holder = {"slug": "aurora", "name": "Aurora Cosmetics S.A."}
    today_after = timezone.localdate() > date(2026, 10, 31)
    assert ended == {
        "authorised": not today_after,
        "brand": "AURORA",
        "shop_id": "mm-5120",
        "marketplace": "megamart",
        "holder": holder,
        "relation": "reseller",
        "valid_from": "2026-01-01",
        "valid_until": "2026-10-31",
    }
    assert (current["authorised"], current["holder"], current["relation"], current["valid_until"]) == (
        True,
        holder,
        "own_shop",
        None,
    )
    assert unknown == {
        "authorised": False,
        "brand": "AURORA",
        "shop_id": "nope",
        "marketplace": "megamart",
        "holder": None,
        "relation": None,
        "valid_from": None,
        "valid_until": None,
    }
    assert error(other) == (403, "own_marketplace_only", "")
    assert (missing.status_code, missing.json()["error"]["fields"][0]["field"]) == (422, "shop_id")
    assert error(unnamed) == (422, "required", "marketplace")
    assert by_operator["authorised"] is True


# The daily export --------------------------------------------------------------------------------------------------


def test_a_marketplace_exports_what_it_is_entitled_to_as_json_and_csv() -> None:
    w = sharing_world()
    guide = guide_published(w.organisation, audience_marketplaces=["megamart"])
    image = image_added(guide)
    post(keyed(w.organisation), f"{API}/guides/{guide.pk}/publish")
    guide_published(w.organisation, title="Not for MegaMart", audience_marketplaces=["little-bazaar"])
    seller = seller_listed(w.organisation, w.megamart.organisation)
    megamart = keyed(w.megamart.organisation, ["sharing:read"])

    as_json = megamart.get(f"{API}/export")
    as_csv = megamart.get(f"{API}/export?format=csv")
    bad = megamart.get(f"{API}/export?format=xml")
    by_holder = keyed(w.organisation).get(f"{API}/export")

    document = as_json.json()
    assert (document["format"], document["marketplace"]) == (
        "ipbridge-sharing-export/1",
        {"slug": "megamart", "name": "MegaMart"},
    )
    assert [(g["id"], g["version"], g["title"]) for g in document["guides"]] == [(guide.pk, 2, GUIDE_FIELDS["title"])]
    assert [i["url"] for i in document["guides"][0]["images"]] == [
        f"/api/v1/sharing/guides/{guide.pk}/images/{image.pk}"
    ]
    assert [s["id"] for s in document["authorised_sellers"]] == [seller.pk]
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert as_csv["Content-Disposition"] == (
        f'attachment; filename="ipbridge-sharing-megamart-{timezone.now():%Y-%m-%d}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(body_of(as_csv).decode("utf-8-sig"))))
    assert [(r["record"], r["holder"], r["version"], r["shop_id"]) for r in rows] == [
        ("guide", "aurora", "2", ""),
        ("authorised_seller", "aurora", "", "shop-1"),
    ]
    assert error(bad) == (422, "invalid_choice", "format")
    assert error(by_holder) == (403, "wrong_organisation_kind", "")
    assert ShareRead.objects.filter(subject="export").count() == 4


# The OpenAPI document ----------------------------------------------------------------------------------------------


def test_every_sharing_endpoint_is_documented_with_its_operation_id_and_errors() -> None:
    document = Client().get("/api/v1/openapi.json").json()

    operations = {
        op["operationId"]: (method, path, op)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/sharing/")
        for method, op in item.items()
    }

    assert set(operations) == {
        "sharing_guides_list",
        "sharing_guide_create",
        "sharing_guide_get",
        "sharing_guide_update",
        "sharing_guide_delete",
        "sharing_guide_publish",
        "sharing_guide_withdraw",
        "sharing_guide_versions",
        "sharing_guide_image_add",
        "sharing_guide_image_get",
        "sharing_guide_image_remove",
        "sharing_reads_list",
        "sharing_read_counts",
        "sharing_sellers_list",
        "sharing_seller_create",
        "sharing_sellers_import",
        "sharing_seller_check",
        "sharing_seller_get",
        "sharing_seller_update",
        "sharing_seller_end",
        "sharing_seller_delete",
        "sharing_export",
    }
    for method, path, op in operations.values():
        assert op["tags"] == ["sharing"], path
        assert {"404", "422"} <= set(op["responses"]), path
        if method == "post":
            assert "Idempotency-Key" in [p["name"] for p in op.get("parameters", [])], path
    assert "text/csv" in operations["sharing_export"][2]["responses"]["200"]["content"]


# Generated input -----------------------------------------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
GUIDE_BODIES = st.one_of(
    bodies([*list(GUIDE_FIELDS), "audience_marketplaces", "audience_all_marketplaces"]),
    st.fixed_dictionaries(
        {"title": TEXT, "rights": st.lists(st.sampled_from(["EM 018234567", "EM", "", "CN 1"]) | TEXT, max_size=3)},
        optional={
            "reference_prices": st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "product": TEXT,
                        "amount": st.integers() | TEXT,
                        "currency": st.sampled_from(["EUR", "eur", "XAU", ""]) | TEXT,
                    },
                ),
                max_size=3,
            ),
            "products": st.lists(TEXT, max_size=3) | TEXT,
            "audience_marketplaces": st.lists(st.sampled_from(["megamart", "nowhere"]) | TEXT, max_size=3),
        },
    ).map(json.dumps),
)
SELLER_BODIES = st.one_of(
    bodies(["brand", "right", "marketplace", "marketplace_name", "marketplace_url", "shop_id", "relation"]),
    st.fixed_dictionaries(
        {},
        optional={
            "brand": st.sampled_from(["AURORA", "aurora", "NIKE", ""]) | TEXT,
            "right": st.sampled_from(["EM 018234567", "EM", ""]) | TEXT,
            "marketplace": st.sampled_from(["megamart", "nowhere", ""]) | TEXT,
            "marketplace_name": TEXT,
            "marketplace_url": st.sampled_from(["https://x.example", "javascript:alert(1)"]) | TEXT,
            "shop_id": TEXT,
            "relation": st.sampled_from(["own_shop", "reseller", "x"]) | TEXT,
            "valid_from": st.sampled_from(["2026-01-01", "2026-02-30", ""]) | TEXT,
            "valid_until": st.sampled_from(["2025-01-01", "9999-12-31", ""]) | TEXT,
        },
    ).map(json.dumps),
)


def test_generated_input_never_makes_the_sharing_api_answer_5xx() -> None:
    w = sharing_world()
    guide_id = guide_written(w.organisation).pk
    holder = keyed(w.organisation)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(guide=GUIDE_BODIES, seller=SELLER_BODIES, upload=st.binary(max_size=300) | TEXT.map(str.encode))
    def answers_below_500(guide: str, seller: str, upload: bytes) -> None:
        answers = [
            holder.post(f"{API}/guides", guide, content_type="application/json"),
            holder.patch(f"{API}/guides/{guide_id}", guide, content_type="application/json"),
            holder.post(f"{API}/authorised-sellers", seller, content_type="application/json"),
            holder.post(f"{API}/authorised-sellers/import", {"file": SimpleUploadedFile("s.csv", upload)}),
            holder.post(f"{API}/guides/{guide_id}/images", {"file": SimpleUploadedFile("p", upload)}),
        ]
        assert [a.status_code for a in answers if a.status_code >= 500] == []

    answers_below_500()
